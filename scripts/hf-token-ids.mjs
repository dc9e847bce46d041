// Prints, as JSON, the ids Hugging Face's own tokenizers library (Rust, through the @anush008/tokenizers node
// binding) gives each text of a JSON array, without special tokens added: the reference Rho1's tokenizer.json
// reader is tested against. Usage: node scripts/hf-token-ids.mjs TOKENIZER_JSON TEXTS_JSON
// (npm install @anush008/tokenizers first; the expected ids it printed are committed beside the test fixtures.)
import { Tokenizer } from "@anush008/tokenizers";
import { readFileSync } from "node:fs";

const [tokenizerPath, textsPath] = process.argv.slice(2);
const tokenizer = Tokenizer.fromFile(tokenizerPath);
const texts = JSON.parse(readFileSync(textsPath, "utf8"));
const ids = [];
for (const text of texts) ids.push(Array.from((await tokenizer.encode(text, null, { addSpecialTokens: false })).getIds()));
console.log(JSON.stringify(ids));
