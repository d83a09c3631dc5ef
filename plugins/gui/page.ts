/** The GUI's HTML shell: two empty areas the browser code fills with panels. */

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => ESCAPES[ch]!);
}

export function pageHtml(title: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/gui/vendor/uPlot.min.css">
<link rel="stylesheet" href="/gui/style.css">
<script type="module" src="/gui/app.js"></script>
</head>
<body>
<header><h1>${escapeHtml(title)}</h1><span id="gui-status" role="status"></span></header>
<main><aside id="gui-area-side"></aside><section id="gui-area-main"></section></main>
<noscript>The DSDB GUI needs JavaScript.</noscript>
</body>
</html>
`;
}

/**
 * Only the daemon's own scripts run: even if some data slipped into markup, an inline
 * script or `onerror=` attribute would not execute. Styles may be inline (uPlot sets them).
 */
export const CONTENT_SECURITY_POLICY = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'self'";
