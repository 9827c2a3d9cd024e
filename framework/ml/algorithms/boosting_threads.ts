import { availableParallelism } from 'node:os';
import { MessageChannel, type MessagePort, Worker } from 'node:worker_threads';
import { binColumn, binOf, columnEdges, midpoint } from './binning_kernels.js';
import { addRows, addRowsCounted, bestSplitOf, logisticGradients, partitionRows, subtractFeatures } from './boosting_kernels.js';

/**
 * A second thread for training boosted trees: a worker bins the upper half of the features, and
 * for a large leaf builds the upper half of the features' histograms, partitions the second half
 * of the rows, or finds one child's best split, while the calling thread does the other half,
 * both on shared memory. Training is otherwise one JavaScript thread;
 * scikit-learn's HistGradientBoosting uses every core. Each half computes exactly what one
 * thread would, in the same order, so the model is the same with or without the worker.
 *
 * The calling thread blocks on a shared flag until the worker is done (training is synchronous).
 * A leaf of few rows is done by the calling thread alone: handing it over costs more.
 */
export const SHARED_FROM_ROWS = 256;

/**
 * How many times a thread reads the shared flag before it sleeps on it (about a millisecond): a
 * sleeping core of this VM took hundreds of microseconds to wake, longer than many builds take.
 * OpenMP, which scikit-learn's threads run on, spins likewise before it sleeps.
 */
const SPINS = 1_000_000;

/** Slots of the shared Int32Array. */
const ASKED = 0; // how many tasks were asked for
const DONE = 1; // how many the worker finished
const FAILED = 2;
const KIND = 3; // which task (below)
const START = 4;
const END = 5;
const SLOT = 6; // histogram: which registered histogram
const FROM = 7; // histogram, binning: features [FROM, TO); gradients: training rows
const TO = 8;
const FEATURE = 9; // partition: the split
const LAST = 10;
const MISSING_LEFT = 11;
const RESULT = 12; // partition: rows sent left
const COUNT = 13; // best split: how many features
const TOTAL = 14; // best split: the leaf's rows
const MIN_ROWS = 15;
const MAX_BINS = 16; // binning: the most bins a feature gets
const PARENT = 17; // histogram: the parent's, to subtract the new one from (−1: none)
const POSTED = 18; // how many messages the calling thread posted: reading the port costs microseconds, a task often less
const COUNTED = 19; // histogram: 1 for the root, whose counts are `counts`
const SLOTS = 20;

const HISTOGRAM = 0;
const PARTITION = 1;
const BEST_SPLIT = 2;
const BIN = 3;
const GRADIENTS = 4;
const RESET = 5; // forget the last training's arrays

/**
 * The worker's script. The kernels arrive as source text (they are self-contained), so the worker
 * runs the same loops from dist/ and from the TypeScript sources under test.
 */
const WORKER = `
const { receiveMessageOnPort, workerData } = require('node:worker_threads');
const binOf = ${binOf.toString()};
const midpoint = ${midpoint.toString()};
const columnEdges = ${columnEdges.toString()};
const binColumn = ${binColumn.toString()};
const addRows = ${addRows.toString()};
const addRowsCounted = ${addRowsCounted.toString()};
const partitionRows = ${partitionRows.toString()};
const bestSplitOf = ${bestSplitOf.toString()};
const logisticGradients = ${logisticGradients.toString()};
const subtractFeatures = ${subtractFeatures.toString()};
const { control, numbers, best, port } = workerData;
let width, rows, left, right, features;
let histograms = [];
let shared = {};
let seen = 0;
let read = 0;
for (;;) {
  for (let spin = 0; spin < ${SPINS} && Atomics.load(control, ${ASKED}) === seen; spin++);
  Atomics.wait(control, ${ASKED}, seen);
  seen = Atomics.load(control, ${ASKED});
  try {
    for (let m = read === control[${POSTED}] ? undefined : receiveMessageOnPort(port); m; m = receiveMessageOnPort(port)) {
      read++;
      if (m.message.training) {
        ({ width, rows, left, right, features } = m.message.training);
        histograms = [];
        shared = {};
      } else if (m.message.arrays) Object.assign(shared, m.message.arrays);
      else histograms[m.message.slot] = new Float64Array(m.message.buffer);
    }
    const { bins, columns, index, pairs, valueBins } = shared;
    const [start, end] = [control[${START}], control[${END}]];
    const kind = control[${KIND}];
    if (kind === ${HISTOGRAM}) {
      if (control[${COUNTED}] === 1)
        addRowsCounted(histograms[control[${SLOT}]], bins, width, index, start, end, pairs, control[${FROM}], control[${TO}], shared.counts);
      else addRows(histograms[control[${SLOT}]], bins, width, index, start, end, pairs, control[${FROM}], control[${TO}]);
      if (control[${PARENT}] >= 0) subtractFeatures(histograms[control[${PARENT}]], histograms[control[${SLOT}]], control[${FROM}], control[${TO}]);
    }
    else if (kind === ${BEST_SPLIT})
      bestSplitOf(histograms[control[${SLOT}]], features, control[${COUNT}], valueBins, numbers[0], numbers[1], control[${TOTAL}], numbers[2], control[${MIN_ROWS}], numbers[3], best);
    else if (kind === ${RESET});
    else if (kind === ${GRADIENTS})
      logisticGradients(shared.raw, shared.y, shared.train, control[${FROM}], control[${TO}], pairs);
    else if (kind === ${PARTITION})
      control[${RESULT}] = partitionRows(index, columns, rows, control[${FEATURE}], start, end, control[${LAST}], control[${MISSING_LEFT}], left, 0, right);
    else {
      const values = new Float64Array(shared.sample.length);
      for (let f = control[${FROM}]; f < control[${TO}]; f++) {
        const edges = columnEdges(shared.subset, width, f, shared.sample, values, control[${MAX_BINS}]);
        shared.edges.set(edges, f * 255);
        shared.edgeCounts[f] = edges.length;
        binColumn(shared.x, rows, width, f, edges, columns.subarray(f * rows, (f + 1) * rows));
      }
    }
  } catch (error) {
    Atomics.store(control, ${FAILED}, 1);
  }
  Atomics.store(control, ${DONE}, seen);
  Atomics.notify(control, ${DONE});
}
`;

/**
 * What the worker reads, each on a SharedArrayBuffer, shared as it is made. Binning: `x` (all
 * rows, row-major), `subset` (the training rows) and `sample` (which of them the edges come
 * from); it writes `edges` (255 a feature), `edgeCounts` and `columns`. Growing trees: `bins`
 * (row-major), `columns` (the same, column-major), `index` (rows in leaf order, partitioned in
 * place), `pairs` (gradient and hessian per row), `valueBins` (value bins per feature) and
 * `counts` (the training rows per feature and bin: the root's counts).
 * Binary log loss: `raw` (scores), `y` (labels) and `train` (the training rows).
 */
export type SharedArrays = Partial<
  Record<'x' | 'subset' | 'edges' | 'pairs' | 'raw' | 'counts', Float64Array> &
    Record<'sample' | 'index' | 'train', Uint32Array> &
    Record<'bins' | 'columns', Uint8Array> &
    Record<'edgeCounts' | 'valueBins' | 'y', Int32Array>
>;

/** A leaf whose best split the worker looks for, and the rules a split keeps. */
export interface LeafSums {
  histogram: Float64Array;
  g: number;
  h: number;
  rows: number;
}

interface TypedArrayType<T> {
  new (length: number): T;
  new (buffer: SharedArrayBuffer): T;
  readonly BYTES_PER_ELEMENT: number;
}

/** A typed array of `length` elements, on a SharedArrayBuffer when a worker thread is to read it. */
export function typedArray<T>(type: TypedArrayType<T>, length: number, shared: boolean): T {
  return shared ? new type(new SharedArrayBuffer(length * type.BYTES_PER_ELEMENT)) : new type(length);
}

/** A copy of `values`, shared as `typedArray` is. */
export function copyOf<T extends { set(values: ArrayLike<number>): void }>(
  type: TypedArrayType<T>,
  values: ArrayLike<number>,
  shared: boolean,
): T {
  const copy = typedArray(type, values.length, shared);
  copy.set(values);
  return copy;
}

/**
 * A worker and what it shares with the calling thread beyond one training. It outlives the
 * training (asleep, and not keeping the process alive) so that the next one skips its start and
 * finds its loops compiled.
 */
interface Helper {
  worker: Worker;
  port: MessagePort;
  control: Int32Array;
  /** The worker's best split, as `bestSplitOf` writes it. */
  best: Float64Array;
  /** A best split's numbers: the leaf's gradient and hessian sums, l2, the least hessian. */
  numbers: Float64Array;
  asked: number;
}

let idle: Helper | null = null;

function helper(): Helper {
  if (idle) {
    const found = idle;
    idle = null;
    return found;
  }
  const { port1, port2 } = new MessageChannel();
  const control = typedArray(Int32Array, SLOTS, true);
  const best = typedArray(Float64Array, 6, true);
  const numbers = typedArray(Float64Array, 4, true);
  const worker = new Worker(WORKER, { eval: true, workerData: { control, best, numbers, port: port2 }, transferList: [port2] });
  worker.unref();
  port1.unref();
  return { worker, port: port1, control, best, numbers, asked: 0 };
}

/** The worker's share of one training. */
export class BoostingThreads {
  private readonly helper: Helper;
  private readonly control: Int32Array;
  private readonly best: Float64Array;
  private readonly numbers: Float64Array;
  private readonly port: MessagePort;
  private readonly slots = new WeakMap<Float64Array, number>();
  /** Where the worker puts the rows of its half that go left, and right. */
  private readonly left: Uint32Array;
  private readonly right: Uint32Array;
  private readonly features: Int32Array;
  private registered = 0;

  private readonly shared: SharedArrays = {};

  /** The worker for a training on `rows` rows of `width` features, when the machine has a second core. */
  static start(width: number, rows: number): BoostingThreads | null {
    return availableParallelism() > 1 && width > 1 ? new BoostingThreads(width, rows) : null;
  }

  private constructor(
    private readonly width: number,
    private readonly rows: number,
  ) {
    this.helper = helper();
    ({ control: this.control, best: this.best, numbers: this.numbers, port: this.port } = this.helper);
    const half = Math.ceil(rows / 2);
    this.left = typedArray(Uint32Array, half, true);
    this.right = typedArray(Uint32Array, half, true);
    this.features = typedArray(Int32Array, width, true);
    const { left, right, features } = this;
    this.post({ training: { width, rows, left, right, features } });
  }

  /** Makes arrays (on SharedArrayBuffers) known to the worker, for the tasks that follow. */
  share(arrays: SharedArrays): void {
    Object.assign(this.shared, arrays);
    this.post({ arrays });
  }

  /**
   * Bins features [from, to) on the worker (shared `x`, `subset`, `sample`, `edges`, `edgeCounts`
   * and `columns` first) while `own` runs here.
   */
  bin(from: number, to: number, maxBins: number, own: () => void): void {
    const { control } = this;
    control[KIND] = BIN;
    control[FROM] = from;
    control[TO] = to;
    control[MAX_BINS] = maxBins;
    this.ask();
    own();
    this.join();
  }

  /** `logisticGradients` of the shared training rows into `pairs`, the second half on the worker. */
  logisticGradients(): void {
    const { control } = this;
    const { raw, y, train, pairs } = this.shared as Required<SharedArrays>;
    const half = train.length >> 1;
    control[KIND] = GRADIENTS;
    control[FROM] = half;
    control[TO] = train.length;
    this.ask();
    logisticGradients(raw, y, train, 0, half, pairs);
    this.join();
  }

  /** A histogram both threads can write: on shared memory, made known to the worker. */
  histogram(): Float64Array {
    const histogram = typedArray(Float64Array, this.width * 768, true);
    const buffer = histogram.buffer;
    const slot = this.registered++;
    this.slots.set(histogram, slot);
    this.post({ slot, buffer });
    return histogram;
  }

  /**
   * `addRows` over every feature (`addRowsCounted` with the shared `counts` for the root), then
   * `parent −= histogram` if given; the upper half of the features on the worker.
   */
  build(histogram: Float64Array, start: number, end: number, parent: Float64Array | null, root: boolean): void {
    const { control, width } = this;
    const { bins, index, pairs, counts } = this.shared as Required<SharedArrays>;
    const half = width >> 1;
    control[KIND] = HISTOGRAM;
    control[SLOT] = this.slots.get(histogram)!;
    control[START] = start;
    control[END] = end;
    control[FROM] = half;
    control[TO] = width;
    control[PARENT] = parent ? this.slots.get(parent)! : -1;
    control[COUNTED] = root ? 1 : 0;
    this.ask();
    if (root) addRowsCounted(histogram, bins, width, index, start, end, pairs, 0, half, counts);
    else addRows(histogram, bins, width, index, start, end, pairs, 0, half);
    if (parent) subtractFeatures(parent, histogram, 0, half);
    this.join();
  }

  /**
   * `partitionRows` of `index[start…end)`, the second half of the rows on the worker; the left
   * rows end up first, in order, then the right ones. `scratch` holds this thread's right rows.
   * Returns where the right rows start.
   */
  partition(feature: number, last: number, missingLeft: boolean, start: number, end: number, scratch: Uint32Array): number {
    const { control, left, right } = this;
    const { rows } = this;
    const { columns, index } = this.shared as Required<SharedArrays>;
    const middle = start + ((end - start) >> 1);
    control[KIND] = PARTITION;
    control[FEATURE] = feature;
    control[LAST] = last;
    control[MISSING_LEFT] = missingLeft ? 1 : 0;
    control[START] = middle;
    control[END] = end;
    this.ask();
    const ownLeft = partitionRows(index, columns, rows, feature, start, middle, last, missingLeft ? 1 : 0, index, start, scratch);
    this.join();
    const workerLeft = control[RESULT]!;
    let at = start + ownLeft;
    index.set(left.subarray(0, workerLeft), at);
    at += workerLeft;
    index.set(scratch.subarray(0, middle - start - ownLeft), at);
    index.set(right.subarray(0, end - middle - workerLeft), at + middle - start - ownLeft);
    return start + ownLeft + workerLeft;
  }

  /**
   * `bestSplitOf` for two leaves at once, the second on the worker; `out` gets the first's
   * answer, and the second's is returned (the thread's own array, valid until the next call).
   */
  bestSplits(
    features: Int32Array,
    rules: { l2: number; minRows: number; minHessian: number },
    first: LeafSums,
    second: LeafSums,
    out: Float64Array,
  ): Float64Array {
    const { control, numbers } = this;
    this.features.set(features);
    control[KIND] = BEST_SPLIT;
    control[SLOT] = this.slots.get(second.histogram)!;
    control[COUNT] = features.length;
    control[TOTAL] = second.rows;
    control[MIN_ROWS] = rules.minRows;
    numbers[0] = second.g;
    numbers[1] = second.h;
    numbers[2] = rules.l2;
    numbers[3] = rules.minHessian;
    this.ask();
    const { valueBins } = this.shared as Required<SharedArrays>;
    bestSplitOf(
      first.histogram,
      features,
      features.length,
      valueBins,
      first.g,
      first.h,
      first.rows,
      rules.l2,
      rules.minRows,
      rules.minHessian,
      out,
    );
    this.join();
    return this.best;
  }

  /** Ends the training: the worker lets go of its arrays and waits for the next one. */
  stop(): void {
    const failed = Atomics.load(this.control, FAILED) === 1;
    if (failed) {
      void this.helper.worker.terminate();
      return;
    }
    this.control[KIND] = RESET;
    this.post({ training: { width: 0, rows: 0, left: null, right: null, features: null } });
    this.ask();
    this.join();
    idle ??= this.helper;
    if (idle !== this.helper) void this.helper.worker.terminate();
  }

  /** Every message is counted in POSTED before the task that needs it is asked for. */
  private post(message: object): void {
    this.port.postMessage(message);
    Atomics.add(this.control, POSTED, 1);
  }

  private ask(): void {
    Atomics.store(this.control, ASKED, ++this.helper.asked);
    Atomics.notify(this.control, ASKED);
  }

  private join(): void {
    const { control } = this;
    const { asked } = this.helper;
    for (let spin = 0; spin < SPINS && Atomics.load(control, DONE) !== asked; spin++);
    for (let done = Atomics.load(control, DONE); done !== asked; done = Atomics.load(control, DONE)) Atomics.wait(control, DONE, done);
    // Never expected (the worker runs the loops this thread runs); a wrong model would be worse than a stop.
    if (Atomics.load(control, FAILED) === 1) throw new Error('the boosting worker thread failed');
  }
}
