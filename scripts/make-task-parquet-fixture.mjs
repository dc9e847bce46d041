// Writes tests/Rho1.Tests/Fixtures/tasks/arc-sample.{parquet,jsonl}: three ARC-shaped items (question, choices as a
// struct of two string lists, answerKey) as Hugging Face stores ARC, the Parquet written by DuckDB (an independent writer,
// not the Parquet.Net that Rho1 reads with) and the same items as JSON lines, for TaskFileTests. One item has numeric labels.
// Run: npm install @duckdb/node-api && node scripts/make-task-parquet-fixture.mjs tests/Rho1.Tests/Fixtures/tasks
import { DuckDBInstance } from '@duckdb/node-api';
import { mkdirSync, writeFileSync } from 'node:fs';

const out = process.argv[2];
mkdirSync(out, { recursive: true });
const items = [
  { id: 'q1', question: 'Which of these is a gas at room temperature?', choices: { text: ['ice', 'steam', 'granite', 'salt'], label: ['A', 'B', 'C', 'D'] }, answerKey: 'B' },
  { id: 'q2', question: 'What does a plant need to make food? (Ünïcödé ✓)', choices: { text: ['sunlight', 'darkness', 'sand'], label: ['A', 'B', 'C'] }, answerKey: 'A' },
  { id: 'q3', question: 'How many legs has an insect?', choices: { text: ['four', 'six', 'eight', 'ten'], label: ['1', '2', '3', '4'] }, answerKey: '2' },
];
writeFileSync(`${out}/arc-sample.jsonl`, items.map(i => JSON.stringify(i)).join('\n') + '\n');
const q = s => `'${s.replaceAll("'", "''")}'`;
const list = a => `[${a.map(q).join(', ')}]`;
const db = await DuckDBInstance.create(':memory:');
const c = await db.connect();
await c.run('CREATE TABLE t (id VARCHAR, question VARCHAR, choices STRUCT(text VARCHAR[], label VARCHAR[]), answerKey VARCHAR)');
for (const i of items)
  await c.run(`INSERT INTO t VALUES (${q(i.id)}, ${q(i.question)}, {'text': ${list(i.choices.text)}, 'label': ${list(i.choices.label)}}, ${q(i.answerKey)})`);
await c.run(`COPY (SELECT * FROM t ORDER BY id) TO '${out}/arc-sample.parquet' (FORMAT parquet, COMPRESSION zstd)`);
console.log('wrote', out);
