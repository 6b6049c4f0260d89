import { createHash } from 'node:crypto';
import { TRACE_PAGE_SCRIPT } from './trace-page.script';

const STYLE = `
:root { color-scheme: light; font: 13px/1.4 system-ui, sans-serif; color: #1d2430; }
body { margin: 0; display: grid; grid-template-rows: auto 1fr; height: 100vh; }
header { padding: 10px 16px; border-bottom: 1px solid #d8dde6; background: #f6f8fb; }
header h1 { font-size: 15px; margin: 0 0 4px; }
#correlation { font-family: ui-monospace, monospace; }
.legend span { display: inline-block; margin-right: 14px; }
.legend i { display: inline-block; width: 14px; height: 10px; border-radius: 2px; margin-right: 4px; }
main { display: grid; grid-template-columns: 1fr 360px; min-height: 0; }
#timeline { overflow: auto; }
#details { border-left: 1px solid #d8dde6; padding: 8px 14px; overflow: auto; background: #fbfcfe; }
#details h2 { font-size: 14px; margin: 4px 0 8px; word-break: break-all; }
#details dl { display: grid; grid-template-columns: auto 1fr; gap: 2px 10px; margin: 0 0 8px; }
#details dt { color: #5b6576; } #details dd { margin: 0; word-break: break-all; }
pre.data { background: #eef1f6; padding: 8px; border-radius: 4px; white-space: pre-wrap; word-break: break-all; }
#auth { margin-top: 6px; } #auth input { width: 420px; }
.lane-bg { fill: #ffffff; stroke: #e3e7ee; } .lane:nth-of-type(even) .lane-bg { fill: #f7f9fc; }
.lane-title { font-weight: 600; fill: #364152; }
.label { fill: #1d2430; font-size: 12px; } .handler-label { fill: #4a5568; }
.tick { stroke: #eef0f4; } .tick-label { fill: #6b7588; font-size: 11px; text-anchor: middle; }
.marker { fill: #2f6fde; stroke: #fff; stroke-width: 1.5; cursor: pointer; }
.severity-debug .marker { fill: #8a94a6; } .severity-warning .marker { fill: #e0a100; }
.severity-error .marker, .severity-critical .marker { fill: #d13438; }
.event, .attempt, .handler { cursor: pointer; outline: none; }
.hit { fill: transparent; } .event:hover .hit, .event.selected .hit { fill: rgba(47, 111, 222, .08); }
.attempt-success, i.success { fill: #2e9e5b; background: #2e9e5b; }
.attempt-retried, i.retried { fill: #e0a100; background: #e0a100; }
.attempt-failed, i.failed { fill: #e86a1a; background: #e86a1a; }
.attempt-dead-letter, i.dead-letter { fill: #d13438; background: #d13438; }
.causation { fill: none; stroke: #7d8aa3; stroke-width: 1.2; opacity: .8; } .arrowhead { fill: #7d8aa3; }
.selected .marker, .attempt.selected { stroke: #111; stroke-width: 2.5; }
.event.selected .label { font-weight: 700; }
`;

const BODY = `
<header>
  <h1>Story <span id="correlation"></span></h1>
  <div id="summary"></div>
  <div class="legend"><span><i class="success"></i>success</span><span><i class="retried"></i>failed, retried</span>
  <span><i class="failed"></i>failed</span><span><i class="dead-letter"></i>dead letter</span>
  <span>arrows: caused by</span></div>
  <div id="status" role="status"></div>
  <form id="auth" hidden><label>Bearer token <input id="token" type="password" autocomplete="off"></label>
  <button type="submit">Read</button></form>
</header>
<main><div id="timeline"></div><aside id="details" hidden></aside></main>
`;

function sha256(text: string): string {
  return `'sha256-${createHash('sha256').update(text).digest('base64')}'`;
}

/** The timeline page: one static document, the same for every story (it reads the story from the JSON route). */
export const TRACE_PAGE_HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Event story</title><link rel="icon" href="data:,"><style>${STYLE}</style></head>
<body>${BODY}<script>${TRACE_PAGE_SCRIPT}</script></body></html>
`;

/** Only this page's own script and style run; it talks to its own origin only. */
export const TRACE_PAGE_CSP = [
  "default-src 'none'",
  `script-src ${sha256(TRACE_PAGE_SCRIPT)}`,
  `style-src ${sha256(STYLE)}`,
  "connect-src 'self'",
  "img-src 'self' data:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');
