/** Where the page finds the graph: built in by `npm run dev` (scripts/dev.ts). */
export const GRAPH_API_URL: string = import.meta.env.VITE_LANGGRAPH_API_URL;
/** The graph's name in langgraph.json. */
export const ASSISTANT_ID = "teaching";
/** The dev server's read-only session list (scripts/dev-sessions.ts). */
export const SESSIONS_PATH = "/__dev/sessions";
