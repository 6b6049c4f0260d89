// The timeline page's script, sent as it is written here (no build step, no framework). Plain ES2020 for any
// current browser. Every value from the story reaches the page through textContent or an attribute, never as
// markup. Kept free of template literals so that it can live in this one.
export const TRACE_PAGE_SCRIPT = String.raw`
'use strict';
(function () {
  var SVG = 'http://www.w3.org/2000/svg';
  var TOKEN_KEY = 'nestjs-event-bus.trace-token';
  var LABEL_WIDTH = 300, ROW = 24, LANE_HEAD = 26, AXIS = 34, MIN_GAP = 18;
  var jsonUrl = location.pathname.replace(/\/page\/?$/, '');
  var $ = function (id) { return document.getElementById(id); };

  function el(name, attrs, text) {
    var node = name === 'svg' || /^(g|rect|circle|path|line|text|title|defs|marker|polygon)$/.test(name)
      ? document.createElementNS(SVG, name) : document.createElement(name);
    Object.keys(attrs || {}).forEach(function (key) { node.setAttribute(key, String(attrs[key])); });
    if (text !== undefined) node.textContent = String(text);
    return node;
  }

  function status(text) { $('status').textContent = text; }

  function load() {
    var token = sessionStorage.getItem(TOKEN_KEY);
    var headers = { accept: 'application/json' };
    if (token) headers.authorization = 'Bearer ' + token;
    status('Loading ' + jsonUrl + ' ...');
    fetch(jsonUrl, { headers: headers, credentials: 'same-origin' }).then(function (response) {
      if (response.status === 401 || response.status === 403) return askToken(response.status);
      if (response.status === 404) return status('No trace with this correlation id.');
      if (!response.ok) return status('The story could not be read: HTTP ' + response.status + '.');
      return response.json().then(render);
    }).catch(function (error) { status('The story could not be read: ' + error.message); });
  }

  function askToken(code) {
    status(code === 401 ? 'Sign in to read this story.' : 'This story is not yours to read.');
    $('auth').hidden = false;
  }

  $('auth').addEventListener('submit', function (event) {
    event.preventDefault();
    sessionStorage.setItem(TOKEN_KEY, $('token').value.trim());
    $('auth').hidden = true;
    load();
  });

  function flatten(roots) {
    var events = [];
    (function walk(nodes) { nodes.forEach(function (n) { events.push(n); walk(n.children); }); })(roots);
    return events;
  }

  /** Lanes (one per source) of rows: an event's row, or one handler's row in the service that ran it. */
  function layout(trace, events) {
    var lanes = new Map();
    (trace.sources || []).forEach(function (s) { lanes.set(s, []); });
    function lane(source) { if (!lanes.has(source)) lanes.set(source, []); return lanes.get(source); }
    events.forEach(function (event) {
      lane(event.source).push({ kind: 'event', event: event, time: Date.parse(event.timestamp) });
      event.handlers.forEach(function (handler) {
        var bySource = new Map();
        handler.attemptLog.forEach(function (a) {
          if (!bySource.has(a.source)) bySource.set(a.source, []);
          bySource.get(a.source).push(a);
        });
        if (bySource.size === 0) bySource.set(handler.source || event.source, []);
        bySource.forEach(function (attempts, source) {
          var first = attempts.length ? Date.parse(attempts[0].startedAt) : Date.parse(event.timestamp);
          lane(source).push({ kind: 'handler', event: event, handler: handler, attempts: attempts, time: first });
        });
      });
    });
    lanes.forEach(function (rows) {
      rows.sort(function (a, b) { return a.time - b.time || (a.kind === 'event' ? -1 : 1); });
    });
    return lanes;
  }

  /** A time axis that keeps order and proportion yet gives events in the same millisecond room apart. */
  function timeScale(times) {
    var points = Array.from(new Set(times)).sort(function (a, b) { return a - b; });
    var xs = new Map(), x = 0;
    points.forEach(function (t, i) {
      if (i > 0) x += MIN_GAP + 60 * Math.log10(1 + (t - points[i - 1]));
      xs.set(t, x);
    });
    return { x: function (t) { return LABEL_WIDTH + 20 + xs.get(t); }, width: x, points: points };
  }

  function render(trace) {
    var events = flatten(trace.roots);
    var lanes = layout(trace, events);
    var times = [];
    events.forEach(function (e) {
      times.push(Date.parse(e.timestamp));
      e.handlers.forEach(function (h) {
        h.attemptLog.forEach(function (a) { times.push(Date.parse(a.startedAt), Date.parse(a.endedAt)); });
      });
    });
    var scale = timeScale(times);
    var start = scale.points[0];
    var rows = 0;
    lanes.forEach(function (laneRows) { rows += laneRows.length; });
    var width = LABEL_WIDTH + 20 + scale.width + 60;
    var height = AXIS + lanes.size * LANE_HEAD + rows * ROW + 10;
    var svg = el('svg', { width: width, height: height, viewBox: '0 0 ' + width + ' ' + height, role: 'img' });
    svg.appendChild(defs());
    drawAxis(svg, scale, start, height);
    var markers = new Map(), y = AXIS;
    var arrows = el('g', { class: 'arrows' });
    lanes.forEach(function (laneRows, source) {
      y = drawLane(svg, source, laneRows, y, width, scale, markers);
    });
    events.forEach(function (event) {
      var from = markers.get(event.causationId), to = markers.get(event.id);
      if (from && to) arrows.appendChild(arrow(from, to, event));
    });
    svg.appendChild(arrows);
    $('timeline').replaceChildren(svg);
    summary(trace, events);
    status('');
  }

  function defs() {
    var d = el('defs');
    var m = el('marker', { id: 'arrowhead', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7,
      markerHeight: 7, orient: 'auto-start-reverse' });
    m.appendChild(el('path', { d: 'M 0 0 L 10 5 L 0 10 z', class: 'arrowhead' }));
    d.appendChild(m);
    return d;
  }

  function drawAxis(svg, scale, start, height) {
    var last = -Infinity;
    scale.points.forEach(function (t) {
      var x = scale.x(t);
      svg.appendChild(el('line', { x1: x, x2: x, y1: AXIS - 6, y2: height, class: 'tick' }));
      if (x - last < 56) return;
      last = x;
      svg.appendChild(el('text', { x: x, y: AXIS - 12, class: 'tick-label' }, '+' + (t - start) + ' ms'));
    });
  }

  function drawLane(svg, source, laneRows, y, width, scale, markers) {
    var g = el('g', { class: 'lane', 'data-source': source });
    g.appendChild(el('rect', { x: 0, y: y, width: width, height: LANE_HEAD + laneRows.length * ROW,
      class: 'lane-bg' }));
    g.appendChild(el('text', { x: 8, y: y + 18, class: 'lane-title' }, source));
    y += LANE_HEAD;
    laneRows.forEach(function (row) {
      if (row.kind === 'event') drawEvent(g, row.event, y, scale, markers);
      else drawHandler(g, row, y, scale);
      y += ROW;
    });
    svg.appendChild(g);
    return y;
  }

  function drawEvent(g, event, y, scale, markers) {
    var x = scale.x(Date.parse(event.timestamp)), cy = y + ROW / 2;
    var row = el('g', { class: 'event severity-' + event.severity, tabindex: 0, role: 'button',
      'data-event-id': event.id, 'data-type': event.type });
    row.appendChild(el('rect', { x: 0, y: y, width: x + 10, height: ROW, class: 'hit' }));
    row.appendChild(el('text', { x: 16, y: cy + 4, class: 'label' }, event.type));
    row.appendChild(el('circle', { cx: x, cy: cy, r: 6, class: 'marker' }));
    row.appendChild(el('title', {}, event.type + ' at ' + event.timestamp));
    clickable(row, function () { showEvent(event); });
    markers.set(event.id, { x: x, y: cy });
    g.appendChild(row);
  }

  function drawHandler(g, row, y, scale) {
    var h = row.handler;
    var group = el('g', { class: 'handler outcome-' + h.outcome, 'data-handler': h.handler,
      'data-event-id': row.event.id });
    group.appendChild(el('text', { x: 28, y: y + ROW / 2 + 4, class: 'label handler-label' },
      '\u21b3 ' + h.handler));
    row.attempts.forEach(function (a) {
      var x1 = scale.x(Date.parse(a.startedAt)), x2 = scale.x(Date.parse(a.endedAt));
      var bar = el('rect', { x: x1, y: y + 5, width: Math.max(6, x2 - x1), height: ROW - 10, rx: 3,
        class: 'attempt attempt-' + a.outcome, tabindex: 0, role: 'button', 'data-attempt': a.attempt,
        'data-outcome': a.outcome });
      bar.appendChild(el('title', {}, h.handler + ' attempt ' + a.attempt + ': ' + a.outcome));
      clickable(bar, function () { showAttempt(row.event, h, a); });
      group.appendChild(bar);
    });
    if (row.attempts.length === 0) {
      clickable(group, function () { showAttempt(row.event, h, undefined); });
    }
    g.appendChild(group);
  }

  function arrow(from, to, event) {
    var mid = (from.x + to.x) / 2 + 12;
    var d = 'M ' + from.x + ' ' + from.y + ' C ' + mid + ' ' + from.y + ', ' + mid + ' ' + to.y + ', ' +
      (to.x - 7) + ' ' + to.y;
    return el('path', { d: d, class: 'causation', 'marker-end': 'url(#arrowhead)',
      'data-from': event.causationId, 'data-to': event.id });
  }

  function clickable(node, show) {
    node.addEventListener('click', function (e) { e.stopPropagation(); select(node); show(); });
    node.addEventListener('keydown', function (e) {
      if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); select(node); show(); }
    });
  }

  function select(node) {
    document.querySelectorAll('.selected').forEach(function (n) { n.classList.remove('selected'); });
    node.classList.add('selected');
  }

  function details(title, fields, json) {
    var box = $('details');
    var list = el('dl');
    fields.forEach(function (f) {
      if (f[1] === undefined || f[1] === null || f[1] === '') return;
      list.appendChild(el('dt', {}, f[0]));
      list.appendChild(el('dd', {}, f[1]));
    });
    var parts = [el('h2', {}, title), list];
    if (json !== undefined) parts.push(el('pre', { class: 'data' }, JSON.stringify(json, null, 2)));
    box.replaceChildren.apply(box, parts);
    box.hidden = false;
  }

  function showEvent(e) {
    details(e.type, [['id', e.id], ['time', e.timestamp], ['source', e.source], ['severity', e.severity],
      ['actor', e.actorId], ['caused by', e.causationId], ['version', e.version],
      ['found in', e.foundIn.join(', ')], ['audit seq', e.auditSeq],
      ['handlers', e.handlers.map(function (h) { return h.handler + ' (' + h.outcome + ')'; }).join(', ')]],
      e.data);
  }

  function showAttempt(event, h, a) {
    details(h.handler, [['event', event.type + ' ' + event.id], ['outcome', a ? a.outcome : h.outcome],
      ['attempt', a ? a.attempt + ' of ' + h.attempts : h.attempts + ' attempt(s)'],
      ['started', a && a.startedAt], ['ended', a && a.endedAt],
      ['duration', a && a.durationMs !== undefined ? a.durationMs + ' ms' : undefined],
      ['service', a ? a.source : h.source], ['process', a && a.instance], ['error', h.error],
      ['dead letter', h.deadLetterId]]);
  }

  function summary(trace, events) {
    var handlers = 0, attempts = 0;
    events.forEach(function (e) {
      handlers += e.handlers.length;
      e.handlers.forEach(function (h) { attempts += h.attemptLog.length; });
    });
    $('summary').textContent = trace.events + ' events, ' + handlers + ' handlers (' + attempts +
      ' attempts) across ' + trace.sources.join(', ') + (trace.actors.length ? '; actors ' +
      trace.actors.join(', ') : '');
    $('correlation').textContent = trace.correlationId;
  }

  load();
})();
`;
