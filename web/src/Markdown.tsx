/**
 * The graph's messages use a little Markdown: paragraphs, `**bold**` and
 * numbered or dashed lists. This renders exactly that as React elements (no
 * HTML is injected), and leaves anything else as the text it is.
 */
import type { ReactNode } from "react";

function inline(text: string): ReactNode[] {
  return text
    .split(/(\*\*[^*]+\*\*)/)
    .map((part, index) =>
      part.startsWith("**") && part.endsWith("**") && part.length > 4 ? (
        <strong key={index}>{part.slice(2, -2)}</strong>
      ) : (
        part
      ),
    );
}

const LIST_ITEM = /^\s*(?:\d+\.|-)\s+/;

function block(paragraph: string, index: number): ReactNode {
  const lines = paragraph.split("\n");
  if (lines.every((line) => LIST_ITEM.test(line))) {
    const ordered = /^\s*\d+\./.test(lines[0] ?? "");
    const items = lines.map((line, item) => (
      <li key={item}>{inline(line.replace(LIST_ITEM, ""))}</li>
    ));
    return ordered ? <ol key={index}>{items}</ol> : <ul key={index}>{items}</ul>;
  }
  return (
    <p key={index}>
      {lines.flatMap((line, at) =>
        at === 0 ? inline(line) : [<br key={`br${at}`} />, ...inline(line)],
      )}
    </p>
  );
}

export function Markdown({ text }: { text: string }) {
  return (
    <>
      {text
        .trim()
        .split(/\n{2,}/)
        .map(block)}
    </>
  );
}
