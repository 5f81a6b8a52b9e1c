// Encodes every text of the multilingual sample with each committed tokenizer.json through tokenizers.js (pure
// JavaScript, no Rust inside) and writes the ids the Java test expects from DJL's Rust tokenizers.
import { Tokenizer } from "@huggingface/tokenizers";
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";

const TOKENIZERS = ["byte-level-bpe", "byte-fallback-bpe"];
const resources = new URL("../resources/tokenizers/", import.meta.url);
const read = (path) => readFileSync(new URL(path, resources));
// the package exports no package.json, so its version is read from the installed copy
const library = JSON.parse(
  readFileSync(new URL("node_modules/@huggingface/tokenizers/package.json", import.meta.url), "utf8"),
);

const sample = JSON.parse(read("multilingual-sample.json").toString("utf8"));
const entries = TOKENIZERS.map((name) => {
  const json = read(`${name}/tokenizer.json`);
  const tokenizer = new Tokenizer(
    JSON.parse(json.toString("utf8")),
    JSON.parse(read(`${name}/tokenizer_config.json`).toString("utf8")),
  );
  // the Java adapter encodes without BOS: a language model is trained on the raw id stream
  const ids = sample.map((text) => tokenizer.encode(text, { add_special_tokens: false }).ids);
  return { name, sha256: createHash("sha256").update(json).digest("hex"), ids };
});

// one text's ids per line, so a regenerated file diffs line by line
const lines = [
  "{",
  `  "generator": ${JSON.stringify(`${library.name} ${library.version}`)},`,
  `  "tokenizers": {`,
  entries
    .map((e) =>
      [
        `    ${JSON.stringify(e.name)}: {`,
        `      "sha256": ${JSON.stringify(e.sha256)},`,
        `      "ids": [`,
        e.ids.map((ids) => `        ${JSON.stringify(ids)}`).join(",\n"),
        "      ]",
        "    }",
      ].join("\n"),
    )
    .join(",\n"),
  "  }",
  "}",
  "",
];
writeFileSync(new URL("reference-ids.json", resources), lines.join("\n"));
console.log(`wrote ${sample.length} texts x ${entries.length} tokenizers`);
