#!/usr/bin/env node
// An agent for metaorch's process protocol (docs/protocol.md). Node 18+, no packages.
// metaorch writes one "start" line on stdin and reads JSON lines from stdout: "step"/"log" events,
// then exactly one "result"; then the program exits with code 0. Logs go to stderr.
// LLM calls go to OPENAI_BASE_URL with OPENAI_API_KEY: metaorch's metering proxy counts their tokens.
'use strict';
const readline = require('readline');

const emit = (event) => process.stdout.write(JSON.stringify(event) + '\n');

async function chat(model, messages) {
  const res = await fetch(process.env.OPENAI_BASE_URL.replace(/\/$/, '') + '/chat/completions', {
    method: 'POST',
    headers: { Authorization: 'Bearer ' + process.env.OPENAI_API_KEY, 'Content-Type': 'application/json' },
    body: JSON.stringify({ model, messages }),
  });
  const body = await res.json();
  if (!res.ok) throw new Error('HTTP ' + res.status + ' ' + JSON.stringify(body.error || body));
  return body.choices[0].message.content;
}

async function session(start) {
  const { task, config } = start;
  process.stderr.write(`session ${start.session_id} task ${task.id}\n`);
  const system = ["You solve the user's task. Reply 'ANSWER: <answer>', or 'REJECT: <why>' if it is impossible."]
    .concat(config.guidelines || []).join('\n');
  let reply;
  try {
    reply = await chat(config.model_id, [{ role: 'system', content: system }, { role: 'user', content: task.text }]);
  } catch (e) {
    emit({ type: 'log', level: 'error', msg: 'LLM call failed: ' + e.message });
    emit({ type: 'step', n: 1, tool: 'llm', ok: false });
    emit({ type: 'result', success: false, outcome: 'failure', answer: null });
    return;
  }
  emit({ type: 'step', n: 1, tool: 'llm', ok: true });
  if (reply.startsWith('REJECT')) {
    emit({ type: 'result', success: task.solvable === false, outcome: 'rejected', answer: reply });
  } else {
    const ok = reply.startsWith('ANSWER') && task.solvable !== false;
    emit({ type: 'result', success: ok, outcome: ok ? 'success' : 'failure', answer: reply });
  }
}

const rl = readline.createInterface({ input: process.stdin });
rl.once('line', (line) => {
  rl.close();
  session(JSON.parse(line)).then(() => process.exit(0), (e) => { process.stderr.write(String(e) + '\n'); process.exit(1); });
});
