// sharp (ipx's image library) for bench/quality.py: a JSON list of jobs on stdin, one JSON line
// of results on stdout. Each job: {input, output, width (null: encode the input as it is),
// format (jpeg, webp, avif, png), options (sharp's output options, quality included)}; each
// result: the encode time in ms (one thread: sharp.concurrency(1)). Copied next to
// bench/.cache/ipx/node_modules by bench/quality.py so that `import "sharp"` resolves.
import sharp from "sharp";

sharp.concurrency(1);
sharp.cache(false);
const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const jobs = JSON.parse(Buffer.concat(chunks).toString("utf8"));
const times = [];
for (const job of jobs) {
  let pipeline = sharp(job.input);
  if (job.width) pipeline = pipeline.resize({ width: job.width, kernel: "lanczos3" });
  const started = process.hrtime.bigint();
  await pipeline.toFormat(job.format, job.options).toFile(job.output);
  times.push(Number(process.hrtime.bigint() - started) / 1e6);
}
process.stdout.write(JSON.stringify(times) + "\n");
