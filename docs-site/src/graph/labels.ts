import type { Settings } from 'sigma/settings';
import type { NodeDisplayData, PartialButFor } from 'sigma/types';
import { LABEL_OFFSET } from '../layout/layered.js';
import type { SceneNode } from './scene.js';

/**
 * Labels scale with the graph, like the nodes: the layout leaves room for every label at the
 * scale it is drawn at, so zooming keeps them apart. Past a size they stop growing; below one they
 * are not drawn at all rather than drawn unreadable.
 */
export const LABEL_FONT = 'system-ui, -apple-system, "Segoe UI", sans-serif';
export const LABEL_SIZE = 12;
const LARGEST = 18;
const SMALLEST = 7;
const BADGE_GAP = 6;
const BADGE_PADDING = 4;
const STATUS_COLORS = {
  pass: ['#dcfce7', '#15803d'],
  warn: ['#fef3c7', '#b45309'],
  fail: ['#fee2e2', '#b91c1c'],
  none: ['#f1f5f9', '#475569'],
} as const;

/** A drawn label's box, in pixels from the graph's top-left corner. */
export interface LabelBox {
  x: number;
  y: number;
  width: number;
  height: number;
}

type Drawn = PartialButFor<NodeDisplayData, 'x' | 'y' | 'size' | 'label' | 'color'> & {
  key?: string;
  radius?: number;
  kind?: SceneNode['kind'];
  badge?: SceneNode['badge'];
  focused?: boolean;
  /** The whole label, when `label` is cut (see shownLabel). */
  fullLabel?: string | null;
};

const measuring = document.createElement('canvas').getContext('2d')!;
const widths = new Map<string, number>();

/** Width of text at the base label size (= layout units), measured once per text. */
export function textWidth(text: string, weight = 'normal'): number {
  const key = `${weight} ${text}`;
  let width = widths.get(key);
  if (width === undefined) {
    measuring.font = `${weight} ${LABEL_SIZE}px ${LABEL_FONT}`;
    width = measuring.measureText(text).width;
    widths.set(key, width);
  }
  return width;
}

/**
 * Longest test label drawn, in layout units (about 30 characters): a test's generated name
 * (`accepted_values_source_ecommerce_events_event_type`) is cut with an ellipsis and drawn whole
 * on hover. Columns are as wide as their widest label, so a column of test names used to push
 * the models after it out of the first view. Other nodes keep their names whole.
 */
export const LONGEST_TEST_LABEL = 170;
const shortened = new Map<string, string>();

/** The label as drawn in the graph: whole, or a test's cut to LONGEST_TEST_LABEL with an ellipsis. */
export function shownLabel({ label, kind }: Pick<SceneNode, 'label' | 'kind'>): string {
  const weight = weightOf(kind);
  if (kind !== 'test' || textWidth(label, weight) <= LONGEST_TEST_LABEL) return label;
  const key = `${weight} ${label}`;
  let cut = shortened.get(key);
  if (cut === undefined) {
    let length = label.length - 1;
    while (length > 1 && textWidth(`${label.slice(0, length)}…`, weight) > LONGEST_TEST_LABEL) length--;
    cut = `${label.slice(0, length)}…`;
    shortened.set(key, cut);
  }
  return cut;
}

/** Just the count: the legend says what it counts. */
const badgeText = (badge: NonNullable<SceneNode['badge']>) => badge.count.toLocaleString('en-US');
const weightOf = (kind: SceneNode['kind'] | undefined) => (kind === 'cluster' ? '600' : 'normal');

/** How far a node's label and badge reach right of its edge, in layout units. */
export function labelReach(node: SceneNode): number {
  if (node.kind === 'expander') return 0;
  const badge = node.badge ? BADGE_GAP + textWidth(badgeText(node.badge), '600') + 2 * BADGE_PADDING : 0;
  return textWidth(shownLabel(node), weightOf(node.kind)) + badge;
}

/**
 * The label drawer sigma calls for every label it shows: draws the label, its badge, and records
 * the box it drew, so tests can check what is on screen rather than what should be.
 */
export function labelDrawers(drawn: Map<string, LabelBox>) {
  const drawLabel = (context: CanvasRenderingContext2D, data: Drawn, _settings: Settings): void => {
    // Sigma offers labels of nodes up to 150 px past the edges; those right of it cannot be seen.
    if (!data.label || data.x - data.size > context.canvas.offsetWidth) return;
    const scale = data.radius ? data.size / data.radius : 1;
    const size = Math.min(LARGEST, LABEL_SIZE * scale);
    if (size < SMALLEST) return;
    const weight = weightOf(data.kind);
    context.font = `${weight} ${size}px ${LABEL_FONT}`;
    context.textBaseline = 'middle';
    if (data.kind === 'expander') {
      context.fillStyle = '#fff';
      context.textAlign = 'center';
      context.fillText(data.label, data.x, data.y);
      context.textAlign = 'left';
      const width = context.measureText(data.label).width;
      drawn.set(data.key!, { x: data.x - width / 2, y: data.y - size / 2, width, height: size });
      return;
    }
    const left = data.x + data.size + LABEL_OFFSET * scale;
    const width = context.measureText(data.label).width;
    // On white: edges run under labels in a left-to-right drawing and must not strike them through.
    context.fillStyle = 'rgba(255, 255, 255, 0.92)';
    context.fillRect(left - 2 * scale, data.y - size * 0.6, width + 4 * scale, size * 1.2);
    context.fillStyle = '#1d2330';
    context.fillText(data.label, left, data.y);
    const right = data.badge ? drawBadge(context, data.badge, left + width + BADGE_GAP * scale, data.y, size, scale) : left + width;
    drawn.set(data.key!, { x: left, y: data.y - size * 0.6, width: right - left, height: size * 1.2 });
  };

  /** Hovered: the label and its badge on a white box. Nothing more when there is no label (no empty box). */
  const drawHover = (context: CanvasRenderingContext2D, data: Drawn, _settings: Settings): void => {
    if (!data.label || data.kind === 'expander') return;
    const label = data.fullLabel ?? data.label;
    const scale = data.radius ? data.size / data.radius : 1;
    const size = Math.max(SMALLEST, Math.min(LARGEST, LABEL_SIZE * scale));
    context.font = `${weightOf(data.kind)} ${size}px ${LABEL_FONT}`;
    const left = data.x + data.size + LABEL_OFFSET * scale;
    const labelWidth = context.measureText(label).width;
    const width = labelWidth + (data.badge ? BADGE_GAP * scale + badgeWidth(context, data.badge, size, scale) : 0);
    context.fillStyle = '#fff';
    context.shadowColor = 'rgba(15, 23, 42, 0.35)';
    context.shadowBlur = 6;
    context.beginPath();
    context.roundRect(
      data.x - data.size - 3,
      data.y - Math.max(data.size, size * 0.7) - 2,
      left + width + 4 - (data.x - data.size - 3),
      2 * Math.max(data.size, size * 0.7) + 4,
      4,
    );
    context.fill();
    context.shadowBlur = 0;
    context.beginPath();
    context.arc(data.x, data.y, data.size, 0, Math.PI * 2);
    context.fillStyle = data.color;
    context.fill();
    context.font = `${weightOf(data.kind)} ${size}px ${LABEL_FONT}`;
    context.fillStyle = '#1d2330';
    context.textBaseline = 'middle';
    context.fillText(label, left, data.y);
    if (data.badge) drawBadge(context, data.badge, left + labelWidth + BADGE_GAP * scale, data.y, size, scale);
  };

  return { drawLabel, drawHover };
}

const badgeFont = (size: number) => `600 ${size * 0.85}px ${LABEL_FONT}`;

function badgeWidth(context: CanvasRenderingContext2D, badge: NonNullable<SceneNode['badge']>, size: number, scale: number): number {
  context.font = badgeFont(size);
  return context.measureText(badgeText(badge)).width + 2 * BADGE_PADDING * scale;
}

/** Draws a test badge from `x`, centred on `y`; returns where it ends. */
function drawBadge(
  context: CanvasRenderingContext2D,
  badge: NonNullable<SceneNode['badge']>,
  x: number,
  y: number,
  size: number,
  scale: number,
): number {
  const width = badgeWidth(context, badge, size, scale);
  const [background, ink] = STATUS_COLORS[badge.status];
  context.fillStyle = background;
  context.beginPath();
  context.roundRect(x, y - size * 0.6, width, size * 1.2, 3 * scale);
  context.fill();
  context.fillStyle = ink;
  context.textBaseline = 'middle';
  context.fillText(badgeText(badge), x + BADGE_PADDING * scale, y);
  return x + width;
}
