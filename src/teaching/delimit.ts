/**
 * Student text sent to a model travels as data between `<tag>` delimiters
 * that the instructions declare to be data, never instructions. Every
 * delimiter-like tag inside the text (`</tag>`, `< / TAG`, a second `<tag>`)
 * has its `<` escaped, so the text can neither close its block early nor open
 * a new one; the rest reaches the model unchanged.
 */
export function delimited(tag: string, text: string): string {
  const delimiterLike = new RegExp(`<(\\s*\\/?\\s*${tag})`, "gi");
  return `<${tag}>\n${text.replace(delimiterLike, "&lt;$1")}\n</${tag}>`;
}
