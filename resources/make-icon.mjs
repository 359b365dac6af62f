/**
 * Draws the Sealcheck icon: resources/icon.svg, a 512×512 resources/icon.png (the window's),
 * resources/icons/NxN.png at every size Linux asks for, icon.ico (Windows) and icon.icns
 * (macOS). One geometry, every output; the PNG is rasterised here with signed distance functions
 * (anti-aliased edges), so no image tool is needed. Run: node resources/make-icon.mjs
 */
import { mkdirSync, writeFileSync } from 'node:fs';
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

// Signed distances (negative inside), in the 512-unit design space.
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

/** The icon as a PNG of `size`×`size` pixels: distances are scaled to pixels for anti-aliasing. */
function renderPng(size) {
  const unit = SIZE / size; // design units per pixel
  const coverage = (d) => Math.max(0, Math.min(1, 0.5 - d / unit));
  const rgba = Buffer.alloc(size * size * 4);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const px = (x + 0.5) * unit;
      const py = (y + 0.5) * unit;
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
      const i = (y * size + x) * 4;
      rgba[i] = Math.round(r);
      rgba[i + 1] = Math.round(g);
      rgba[i + 2] = Math.round(b);
      rgba[i + 3] = Math.round(a * 255);
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr.set([8, 6, 0, 0, 0], 8); // 8-bit RGBA, no interlace
  const rows = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y++)
    rgba.copy(rows, y * (size * 4 + 1) + 1, y * size * 4, (y + 1) * size * 4);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(rows, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

function chunk(type, data) {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'ascii');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

/** Windows: an ICO whose entries are PNGs (Vista and later), 256 px stored as size 0. */
function ico(pngs) {
  const header = Buffer.alloc(6);
  header.writeUInt16LE(1, 2); // type: icon
  header.writeUInt16LE(pngs.length, 4);
  let offset = 6 + 16 * pngs.length;
  const entries = pngs.map(([size, data]) => {
    const e = Buffer.alloc(16);
    e.writeUInt8(size >= 256 ? 0 : size, 0);
    e.writeUInt8(size >= 256 ? 0 : size, 1);
    e.writeUInt16LE(1, 4); // colour planes
    e.writeUInt16LE(32, 6); // bits per pixel
    e.writeUInt32LE(data.length, 8);
    e.writeUInt32LE(offset, 12);
    offset += data.length;
    return e;
  });
  return Buffer.concat([header, ...entries, ...pngs.map(([, data]) => data)]);
}

/** macOS: an ICNS whose entries are PNGs, one per OSType. */
function icns(entries) {
  const parts = entries.map(([type, data]) => {
    const head = Buffer.alloc(8);
    head.write(type, 0, 'ascii');
    head.writeUInt32BE(data.length + 8, 4);
    return Buffer.concat([head, data]);
  });
  const body = Buffer.concat(parts);
  const head = Buffer.alloc(8);
  head.write('icns', 0, 'ascii');
  head.writeUInt32BE(body.length + 8, 4);
  return Buffer.concat([head, body]);
}

/** Every size the platforms ask for: Linux icon themes, Windows ICO, macOS ICNS (with @2x). */
const SIZES = [16, 24, 32, 48, 64, 128, 256, 512, 1024];
const png = new Map(SIZES.map((size) => [size, renderPng(size)]));
const at = (size) => png.get(size);

const dir = new URL('./', import.meta.url);
mkdirSync(new URL('icons/', dir), { recursive: true });
writeFileSync(new URL('icon.svg', dir), svg);
writeFileSync(new URL('icon.png', dir), at(512));
for (const size of SIZES) writeFileSync(new URL(`icons/${size}x${size}.png`, dir), at(size));
writeFileSync(new URL('icon.ico', dir), ico([16, 24, 32, 48, 64, 128, 256].map((s) => [s, at(s)])));
writeFileSync(
  new URL('icon.icns', dir),
  icns([
    ['icp4', at(16)],
    ['icp5', at(32)],
    ['icp6', at(64)],
    ['ic07', at(128)],
    ['ic08', at(256)],
    ['ic09', at(512)],
    ['ic10', at(1024)],
    ['ic11', at(32)], // 16@2x
    ['ic12', at(64)], // 32@2x
    ['ic13', at(256)], // 128@2x
    ['ic14', at(512)], // 256@2x
  ]),
);
console.log(
  `wrote resources/icon.svg, icon.png (512), icons/ (${SIZES.join(', ')}), icon.ico and icon.icns`,
);
