/**
 * Draws the Sealcheck icon: resources/icon.svg and a 512×512 resources/icon.png.
 * One geometry, two outputs; the PNG is rasterised here with signed distance functions
 * (anti-aliased edges), so no image tool is needed. Run: node resources/make-icon.mjs
 */
import { writeFileSync } from 'node:fs';
import { crc32, deflateSync } from 'node:zlib';

const SIZE = 512;
const colors = {
  background: [18, 50, 74], // #12324a
  ring: [255, 255, 255, 0.22],
  seal: [47, 191, 113], // #2fbf71
  check: [255, 255, 255],
};
const shape = {
  corner: 112,
  ring: { r: 184, width: 12 },
  seal: { r: 150 },
  check: {
    points: [
      [182, 262],
      [236, 316],
      [332, 204],
    ],
    width: 40,
  },
};

const hex = ([r, g, b]) => `#${[r, g, b].map((c) => c.toString(16).padStart(2, '0')).join('')}`;

const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${SIZE}" height="${SIZE}" viewBox="0 0 ${SIZE} ${SIZE}">
  <title>Sealcheck</title>
  <rect width="${SIZE}" height="${SIZE}" rx="${shape.corner}" fill="${hex(colors.background)}"/>
  <circle cx="256" cy="256" r="${shape.ring.r}" fill="none" stroke="#ffffff" stroke-opacity="${colors.ring[3]}" stroke-width="${shape.ring.width}"/>
  <circle cx="256" cy="256" r="${shape.seal.r}" fill="${hex(colors.seal)}"/>
  <polyline points="${shape.check.points.map((p) => p.join(',')).join(' ')}" fill="none" stroke="${hex(colors.check)}" stroke-width="${shape.check.width}" stroke-linecap="round" stroke-linejoin="round"/>
</svg>
`;

// Signed distances (negative inside) in pixels.
function roundedRect(x, y) {
  const half = SIZE / 2;
  const qx = Math.abs(x - half) - (half - shape.corner);
  const qy = Math.abs(y - half) - (half - shape.corner);
  return (
    Math.hypot(Math.max(qx, 0), Math.max(qy, 0)) + Math.min(Math.max(qx, qy), 0) - shape.corner
  );
}
const circle = (x, y, r) => Math.hypot(x - 256, y - 256) - r;
function segment(x, y, [ax, ay], [bx, by]) {
  const dx = bx - ax;
  const dy = by - ay;
  const t = Math.max(0, Math.min(1, ((x - ax) * dx + (y - ay) * dy) / (dx * dx + dy * dy)));
  return Math.hypot(x - ax - t * dx, y - ay - t * dy);
}
function check(x, y) {
  const [a, b, c] = shape.check.points;
  return Math.min(segment(x, y, a, b), segment(x, y, b, c)) - shape.check.width / 2;
}
const coverage = (d) => Math.max(0, Math.min(1, 0.5 - d));

const rgba = Buffer.alloc(SIZE * SIZE * 4);
for (let y = 0; y < SIZE; y++) {
  for (let x = 0; x < SIZE; x++) {
    const px = x + 0.5;
    const py = y + 0.5;
    let [r, g, b] = [0, 0, 0];
    const layer = (color, alpha) => {
      r += (color[0] - r) * alpha;
      g += (color[1] - g) * alpha;
      b += (color[2] - b) * alpha;
    };
    const a = coverage(roundedRect(px, py));
    layer(colors.background, 1);
    layer(
      colors.ring,
      colors.ring[3] * coverage(Math.abs(circle(px, py, shape.ring.r)) - shape.ring.width / 2),
    );
    layer(colors.seal, coverage(circle(px, py, shape.seal.r)));
    layer(colors.check, coverage(check(px, py)));
    const i = (y * SIZE + x) * 4;
    rgba[i] = Math.round(r);
    rgba[i + 1] = Math.round(g);
    rgba[i + 2] = Math.round(b);
    rgba[i + 3] = Math.round(a * 255);
  }
}

function chunk(type, data) {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'ascii');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}
const ihdr = Buffer.alloc(13);
ihdr.writeUInt32BE(SIZE, 0);
ihdr.writeUInt32BE(SIZE, 4);
ihdr.set([8, 6, 0, 0, 0], 8); // 8-bit RGBA, no interlace
const rows = Buffer.alloc(SIZE * (SIZE * 4 + 1));
for (let y = 0; y < SIZE; y++)
  rgba.copy(rows, y * (SIZE * 4 + 1) + 1, y * SIZE * 4, (y + 1) * SIZE * 4);
const png = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  chunk('IHDR', ihdr),
  chunk('IDAT', deflateSync(rows, { level: 9 })),
  chunk('IEND', Buffer.alloc(0)),
]);

const dir = new URL('./', import.meta.url);
writeFileSync(new URL('icon.svg', dir), svg);
writeFileSync(new URL('icon.png', dir), png);
console.log(
  `wrote resources/icon.svg and resources/icon.png (${SIZE}×${SIZE}, ${png.length} bytes)`,
);
