// Inline SVG: measured delays against the allowed envelope, per reconnection attempt (or per sample).
// The band is [allowedMin, allowedMax]; the paler band above it is the tolerance model's slack; each dot
// is one measurement, coloured by its verdict. Several series (one per --repeat) sit side by side.

import type { TimingSample } from '../cases/model.ts';
import { esc } from './escape.ts';

const VERDICT_COLOUR = { PASS: '#1a7f37', FAIL: '#cf222e', INDETERMINATE: '#bf8700' } as const;

export interface PlotOptions {
  width?: number;
  height?: number;
  title?: string;
}

function niceStep(max: number): number {
  const raw = max / 5;
  const pow = 10 ** Math.floor(Math.log10(Math.max(raw, 1e-9)));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * pow >= raw) return m * pow;
  return 10 * pow;
}

/** One series per repeat; samples are placed by `attempt` when present, else by position. */
export function timingPlotSvg(series: readonly (readonly TimingSample[])[], options: PlotOptions = {}): string {
  const all = series.flat();
  if (all.length === 0) return '';
  const width = options.width ?? 560;
  const height = options.height ?? 240;
  const m = { left: 56, right: 12, top: options.title ? 30 : 20, bottom: 40 };
  const plotW = width - m.left - m.right;
  const plotH = height - m.top - m.bottom;
  const xKey = (s: TimingSample, i: number) => s.attempt ?? i;
  const keys = [...new Set(series.flatMap((ss) => ss.map(xKey)))].sort((a, b) => a - b);
  const yMaxRaw = Math.max(...all.map((s) => Math.max(s.measuredMs, s.allowedMaxMs + s.slackMs))) * 1.08;
  const step = niceStep(yMaxRaw);
  const yMax = Math.ceil(yMaxRaw / step) * step || 1;
  const slot = plotW / keys.length;
  const y = (v: number) => m.top + plotH - (Math.max(0, v) / yMax) * plotH;
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" class="timing-plot" role="img" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" font-family="system-ui, sans-serif" font-size="11">`,
  );
  parts.push(`<desc>Measured delays against the allowed envelope per attempt</desc>`);
  if (options.title) parts.push(`<text x="${m.left}" y="16" font-weight="600">${esc(options.title)}</text>`);
  for (let v = 0; v <= yMax + 1e-9; v += step) {
    const yy = y(v).toFixed(1);
    parts.push(`<line x1="${m.left}" x2="${width - m.right}" y1="${yy}" y2="${yy}" stroke="#d0d7de" stroke-width="0.5"/>`);
    parts.push(`<text x="${m.left - 6}" y="${yy}" text-anchor="end" dominant-baseline="middle" fill="#57606a">${Math.round(v)}</text>`);
  }
  parts.push(`<text transform="translate(12 ${m.top + plotH / 2}) rotate(-90)" text-anchor="middle" fill="#57606a">ms</text>`);
  parts.push(`<text x="${m.left + plotW / 2}" y="${height - 6}" text-anchor="middle" fill="#57606a">attempt</text>`);
  for (const [ki, key] of keys.entries()) {
    const cx = m.left + slot * ki + slot / 2;
    const bandW = Math.min(slot * 0.7, 48);
    // The envelope is the same for every series at one attempt: draw it from the first sample found.
    const env = series.map((ss) => ss.find((s, i) => xKey(s, i) === key)).find((s) => s !== undefined);
    if (env) {
      const x0 = (cx - bandW / 2).toFixed(1);
      parts.push(
        `<rect class="slack" x="${x0}" width="${bandW.toFixed(1)}" y="${y(env.allowedMaxMs + env.slackMs).toFixed(1)}" height="${(y(env.allowedMaxMs) - y(env.allowedMaxMs + env.slackMs)).toFixed(1)}" fill="#ddf4ff" stroke="#54aeff" stroke-dasharray="3 2" stroke-width="0.6"><title>slack: up to ${env.allowedMaxMs + env.slackMs} ms</title></rect>`,
      );
      parts.push(
        `<rect class="envelope" x="${x0}" width="${bandW.toFixed(1)}" y="${y(env.allowedMaxMs).toFixed(1)}" height="${Math.max(1, y(env.allowedMinMs) - y(env.allowedMaxMs)).toFixed(1)}" fill="#b6e3ff" stroke="#0969da" stroke-width="0.8"><title>allowed ${env.allowedMinMs}..${env.allowedMaxMs} ms</title></rect>`,
      );
    }
    parts.push(`<text x="${cx.toFixed(1)}" y="${m.top + plotH + 14}" text-anchor="middle" fill="#57606a">${esc(key)}</text>`);
    for (const [si, ss] of series.entries()) {
      const sample = ss.find((s, i) => xKey(s, i) === key);
      if (!sample) continue;
      const offset = series.length > 1 ? ((si - (series.length - 1) / 2) * bandW) / Math.max(series.length, 2) : 0;
      const colour = VERDICT_COLOUR[sample.verdict];
      const tip = `${sample.label}: measured ${sample.measuredMs} ms, allowed ${sample.allowedMinMs}..${sample.allowedMaxMs} ms (+${sample.slackMs} slack): ${sample.verdict}${sample.reason ? ` (${sample.reason})` : ''}${series.length > 1 ? `, repeat ${si + 1}` : ''}`;
      parts.push(
        `<circle class="measured" data-verdict="${sample.verdict}" cx="${(cx + offset).toFixed(1)}" cy="${y(sample.measuredMs).toFixed(1)}" r="4.5" fill="${colour}" stroke="#fff" stroke-width="1"><title>${esc(tip)}</title></circle>`,
      );
    }
  }
  parts.push(`<line x1="${m.left}" x2="${m.left}" y1="${m.top}" y2="${m.top + plotH}" stroke="#57606a" stroke-width="0.8"/>`);
  // Legend, top right: what the band, the dashed band and the dots mean.
  const lx = m.left + 4;
  const ly = 4;
  parts.push(
    `<g class="legend" font-size="10" fill="#57606a">` +
      `<rect x="${lx}" y="${ly}" width="12" height="8" fill="#b6e3ff" stroke="#0969da" stroke-width="0.8"/><text x="${lx + 16}" y="${ly + 8}">allowed</text>` +
      `<rect x="${lx + 72}" y="${ly}" width="12" height="8" fill="#ddf4ff" stroke="#54aeff" stroke-dasharray="3 2" stroke-width="0.6"/><text x="${lx + 88}" y="${ly + 8}">slack</text>` +
      `<circle cx="${lx + 134}" cy="${ly + 4}" r="3.5" fill="${VERDICT_COLOUR.PASS}"/><circle cx="${lx + 143}" cy="${ly + 4}" r="3.5" fill="${VERDICT_COLOUR.FAIL}"/><circle cx="${lx + 152}" cy="${ly + 4}" r="3.5" fill="${VERDICT_COLOUR.INDETERMINATE}"/>` +
      `<text x="${lx + 161}" y="${ly + 8}">measured: pass / fail / undecided</text></g>`,
  );
  parts.push('</svg>');
  return parts.join('');
}
