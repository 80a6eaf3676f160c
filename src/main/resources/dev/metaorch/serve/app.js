// metaorch dashboard: live updates of a run page. Server-sent events first; when they fail, poll
// /api/run/ID with If-None-Match every 2 s, paused while the tab is hidden. No libraries.
(function () {
  'use strict';
  var live = document.getElementById('live');
  if (!live) { return; }
  var run = live.getAttribute('data-run');
  var api = '/api/run/' + encodeURIComponent(run);
  var ended = live.getAttribute('data-ended') === 'true';
  var es = null, timer = null, etag = null;

  function text(id, value) {
    var el = document.getElementById(id);
    if (el && el.textContent !== value) { el.textContent = value; }
  }
  function f3(v) { return Number(v).toFixed(3); }
  function money(v) { return '$' + Number(v).toFixed(4); }

  function refresh(id, url, attr, value) {
    var el = document.getElementById(id);
    if (!el || el.getAttribute(attr) === String(value)) { return; }
    el.setAttribute(attr, String(value));
    fetch(url, { credentials: 'same-origin' }).then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) { if (html !== null) { el.innerHTML = html; } })
      .catch(function () { /* the next update retries */ });
  }

  function apply(s) {
    text('status', s.status);
    var st = document.getElementById('status');
    if (st) { st.className = 'status ' + s.status; }
    text('status-reason', s.status_reason || '');
    if (s.rule) {
      var r = s.rule;
      text('rule-state', s.rule_state || '');
      text('wtl', r.wins + '/' + r.ties + '/' + r.losses);
      text('pairs', r.pairs + ' (fixed design ' + r.fixed_n + ', cap ' + r.cap_pairs + ')');
      text('llr', f3(r.llr));
      text('bounds', '[' + f3(r.lower) + ', ' + f3(r.upper) + ']');
      text('broken', String(r.broken_pairs));
      refresh('llr-chart', '/run/' + encodeURIComponent(run) + '/llr.svg', 'data-n', s.trace.length);
    }
    var f = s.figures;
    text('spend', money(f.spend_usd) + (f.cap_usd === null ? '' : ' / ' + money(f.cap_usd)));
    text('attempts', f.attempts + ' / ' + f.sessions);
    text('in-flight', String(f.in_flight));
    text('infra', String(f.infra_failures));
    text('eta', s.eta_seconds === null ? '\u2014' : Math.round(s.eta_seconds) + ' s');
    text('decision', s.decision ? s.decision + ' (' + s.reason + ')' : '\u2014');
    var arms = document.getElementById('arms');
    if (arms) {
      s.arms.forEach(function (a, i) {
        var row = arms.rows[i + 1];
        if (!row) { return; }
        row.cells[2].textContent = String(a.sessions);
        row.cells[3].textContent = String(a.successes);
        row.cells[4].textContent = f3(a.success_rate);
        row.cells[5].textContent = '[' + f3(a.ci_low) + ', ' + f3(a.ci_high) + ']';
      });
    }
    refresh('sessions', '/run/' + encodeURIComponent(run) + '/sessions', 'data-attempts', f.attempts);
    var resume = document.getElementById('resume');
    if (resume) {
      resume.hidden = !s.resume_command;
      text('resume-cmd', s.resume_command || '');
    }
    if (s.status !== 'running') { stop(); ended = true; }
  }

  function stop() {
    if (es) { es.close(); es = null; }
    if (timer) { clearInterval(timer); timer = null; }
  }

  function poll() {
    if (document.hidden) { return; }
    var headers = etag ? { 'If-None-Match': etag } : {};
    fetch(api, { headers: headers, credentials: 'same-origin' }).then(function (r) {
      if (r.status === 304 || !r.ok) { return null; }
      etag = r.headers.get('ETag');
      return r.json();
    }).then(function (s) { if (s) { apply(s); } }).catch(function () { /* retried on the next tick */ });
  }

  function startPolling() {
    if (timer || ended) { return; }
    timer = setInterval(poll, 2000);
    poll();
  }

  function startEvents() {
    if (ended || es || timer) { return; }
    if (!window.EventSource) { startPolling(); return; }
    es = new EventSource(api + '/events');
    es.addEventListener('state', function (e) { apply(JSON.parse(e.data)); });
    es.addEventListener('end', function () { if (es) { es.close(); es = null; } });
    es.onerror = function () {
      if (es) { es.close(); es = null; }
      startPolling();
    };
  }

  document.addEventListener('visibilitychange', function () {
    if (document.hidden) {
      if (es) { es.close(); es = null; }
    } else if (!ended && !timer) {
      startEvents();
    } else if (timer) {
      poll();
    }
  });
  startEvents();
}());
