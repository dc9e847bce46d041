// Writes the Parquet fixtures of tests/Rho1.Tests/Fixtures/parquet with DuckDB (an independent Parquet writer, not the
// Parquet.Net that Rho1 reads with): 4,500 rows in row groups of 2,048 (DuckDB's smallest); the text column repeats 30
// paragraphs in the first row group (dictionary-encoded pages) and is unique in the second (plain pages), with a null and an
// empty string; an integer id and a double column that prepare must ignore, and an integer column "body" for the refusal
// test; once per compression (the uncompressed case is written by the tests themselves). The tests rebuild the expected
// texts from the same formula (ParquetFixture.cs).
// Run: npm install @duckdb/node-api && node scripts/make-parquet-fixtures.mjs tests/Rho1.Tests/Fixtures/parquet
import { DuckDBInstance } from '@duckdb/node-api';
import { mkdirSync } from 'node:fs';

const out = process.argv[2];
mkdirSync(out, { recursive: true });
const rows = [];
for (let i = 0; i < 4500; i++) {
  let text = i < 2048 ? `Paragraph ${i % 30}: the quick brown fox jumps over the lazy dog ${'again '.repeat(i % 30 % 4)}Ünïcödé ✓ 漢字.`
    : `Row ${i}: ${(i * 7919 % 100003).toString(36)} unique text, ${i % 3 ? 'with' : 'without'} a comma.`;
  if (i === 11 || i === 3000) text = null;
  if (i === 17) text = '';
  rows.push({ id: i, text, score: i / 8 });
}
const db = await DuckDBInstance.create(':memory:');
const c = await db.connect();
await c.run('CREATE TABLE t (id INTEGER, text VARCHAR, score DOUBLE, body INTEGER)');
const values = rows.map(r => `(${r.id}, ${r.text === null ? 'NULL' : `'${r.text.replaceAll("'", "''")}'`}, ${r.score}, ${r.id * 3})`);
for (let i = 0; i < values.length; i += 500)
  await c.run(`INSERT INTO t VALUES ${values.slice(i, i + 500).join(', ')}`);
for (const codec of ['zstd', 'snappy', 'gzip'])
  await c.run(`COPY (SELECT * FROM t ORDER BY id) TO '${out}/rows-${codec}.parquet' (FORMAT parquet, COMPRESSION ${codec}, ROW_GROUP_SIZE 2048)`);
console.log('wrote', out);
