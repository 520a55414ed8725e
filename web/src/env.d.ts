/// <reference types="vite/client" />

interface ImportMetaEnv {
  /** The LangGraph server's URL, defined by `npm run dev`. */
  readonly VITE_LANGGRAPH_API_URL: string;
}
