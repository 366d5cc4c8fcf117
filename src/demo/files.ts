import fs from 'node:fs/promises';
import path from 'node:path';
import { loadH5wasm } from '../hdf5/h5wasm.ts';

/** What one demo scan writes into its NeXus master file. */
export interface DemoScan {
  title: string;
  start: Date;
  end: Date;
  /** NeXus application definition (NXmx, NXtomo, ...): ingest maps it to a PaNET technique. */
  definition: string;
  instrument: string;
  sample: string;
  /** Scalar fields with their `units` attribute, placed under NXinstrument or NXsample. */
  parameters: { name: string; value: number; unit: string; in: 'instrument' | 'sample' }[];
  /** Seeds the detector image so scans of a session differ. */
  seed: number;
}

/**
 * Writes a small but real scan directory: `master.nxs` (NeXus written with h5wasm: entry fields,
 * instrument, sample, parameters with units and a 2-D detector image as the default NXdata plot),
 * `image_0001.tif` (an uncompressed greyscale TIFF) and `notes.txt`.
 */
export async function writeDemoScan(dir: string, scan: DemoScan): Promise<void> {
  await fs.mkdir(dir, { recursive: true });
  await writeNexus(path.join(dir, 'master.nxs'), scan);
  await fs.writeFile(path.join(dir, 'image_0001.tif'), greyscaleTiff(64, 64, scan.seed));
  await fs.writeFile(
    path.join(dir, 'notes.txt'),
    `${scan.title}\nsample: ${scan.sample}\nstart: ${scan.start.toISOString()}\nbeam stable, no interruptions\n`,
  );
}

async function writeNexus(file: string, scan: DemoScan): Promise<void> {
  const h5 = await loadH5wasm();
  const f = new h5.File(file, 'w');
  try {
    f.create_attribute('default', 'entry');
    const entry = f.create_group('entry');
    entry.create_attribute('NX_class', 'NXentry');
    entry.create_attribute('default', 'data');
    entry.create_dataset({ name: 'title', data: scan.title });
    entry.create_dataset({ name: 'definition', data: scan.definition });
    entry.create_dataset({ name: 'start_time', data: scan.start.toISOString() });
    entry.create_dataset({ name: 'end_time', data: scan.end.toISOString() });
    const instrument = entry.create_group('instrument');
    instrument.create_attribute('NX_class', 'NXinstrument');
    instrument.create_dataset({ name: 'name', data: scan.instrument });
    const sample = entry.create_group('sample');
    sample.create_attribute('NX_class', 'NXsample');
    sample.create_dataset({ name: 'name', data: scan.sample });
    for (const p of scan.parameters)
      (p.in === 'sample' ? sample : instrument)
        .create_dataset({ name: p.name, data: new Float64Array([p.value]) })
        .create_attribute('units', p.unit);
    const data = entry.create_group('data');
    data.create_attribute('NX_class', 'NXdata');
    data.create_attribute('signal', 'data');
    const side = 128;
    const image = data.create_dataset({
      name: 'data',
      data: ringPattern(side, scan.seed),
      shape: [side, side],
      dtype: '<f4',
    });
    image.create_attribute('units', 'counts');
    image.create_attribute('long_name', 'detector image');
  } finally {
    f.close();
  }
}

/** Powder-like rings around an off-centre beam, as a detector would see them. */
function ringPattern(side: number, seed: number): Float32Array {
  const out = new Float32Array(side * side);
  const cx = side / 2 + (seed % 7) - 3;
  const cy = side / 2 - (seed % 5) + 2;
  for (let y = 0; y < side; y++)
    for (let x = 0; x < side; x++) {
      const r = Math.hypot(x - cx, y - cy);
      const rings = Math.cos(r / (2.2 + (seed % 3) * 0.4)) ** 8;
      out[y * side + x] = Math.round(1000 * rings * Math.exp(-r / 60) + 20 + ((x * 31 + y * 17 + seed) % 13));
    }
  return out;
}

/** A baseline TIFF 6.0 file: one strip of 8-bit greyscale pixels, no compression. */
export function greyscaleTiff(width: number, height: number, seed: number): Buffer {
  const entries: [tag: number, type: number, value: number][] = [
    [256, 3, width], // ImageWidth
    [257, 3, height], // ImageLength
    [258, 3, 8], // BitsPerSample
    [259, 3, 1], // Compression: none
    [262, 3, 1], // PhotometricInterpretation: black is zero
    [273, 4, 0], // StripOffsets, set below
    [277, 3, 1], // SamplesPerPixel
    [278, 3, height], // RowsPerStrip
    [279, 4, width * height], // StripByteCounts
  ];
  const ifdSize = 2 + entries.length * 12 + 4;
  const pixelsAt = 8 + ifdSize;
  const buf = Buffer.alloc(pixelsAt + width * height);
  buf.write('II', 0, 'latin1');
  buf.writeUInt16LE(42, 2);
  buf.writeUInt32LE(8, 4);
  buf.writeUInt16LE(entries.length, 8);
  entries.forEach(([tag, type, value], i) => {
    const at = 10 + i * 12;
    buf.writeUInt16LE(tag, at);
    buf.writeUInt16LE(type, at + 2);
    buf.writeUInt32LE(1, at + 4);
    if (type === 3) buf.writeUInt16LE(value, at + 8);
    else buf.writeUInt32LE(tag === 273 ? pixelsAt : value, at + 8);
  });
  buf.writeUInt32LE(0, 10 + entries.length * 12); // no next IFD
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) buf[pixelsAt + y * width + x] = (x * 4 + y * 2 + seed * 16) & 0xff;
  return buf;
}
