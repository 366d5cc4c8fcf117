/**
 * HTML that the server has already sanitised with its allow-list (event content, rendered on the
 * way in) or built itself (search snippets: escaped text with <mark>). Nothing else may be passed
 * here: text typed in the browser is sent to the server and comes back sanitised.
 */
export function ServerHtml({
  html,
  className,
  testId,
}: {
  html: string;
  className?: string;
  testId?: string;
}) {
  return <div className={className} data-testid={testId} dangerouslySetInnerHTML={{ __html: html }} />;
}
