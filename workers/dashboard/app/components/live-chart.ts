import {
  CategoryScale,
  Chart,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
} from 'chart.js';
import { useEffect, useRef } from 'preact/hooks';
import { html } from '../html.ts';
import type { StatusSample } from '../types.ts';

Chart.register(
  LineController,
  LineElement,
  PointElement,
  LinearScale,
  CategoryScale,
  Legend,
  Tooltip,
);

const SERIES = [
  { label: 'waiting', color: '#d97706', value: (sample: StatusSample) => sample.waiting },
  { label: 'running', color: '#2563eb', value: (sample: StatusSample) => sample.active },
  { label: 'jobs/s', color: '#059669', value: (sample: StatusSample) => sample.jobsPerSecond },
] as const;

/** Queue depth and jobs per second over the samples given (the last minutes), drawn by Chart.js. */
export function LiveChart({ samples }: { samples: StatusSample[] }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const chart = useRef<Chart<'line', number[], string> | null>(null);

  useEffect(() => {
    if (!canvas.current) return undefined;
    chart.current = new Chart(canvas.current, {
      type: 'line',
      data: {
        labels: [],
        datasets: SERIES.map((series) => ({
          label: series.label,
          data: [],
          borderColor: series.color,
          backgroundColor: series.color,
          pointRadius: 0,
          borderWidth: 2,
          tension: 0.2,
        })),
      },
      options: {
        animation: false,
        maintainAspectRatio: false,
        scales: { y: { beginAtZero: true } },
        plugins: { legend: { position: 'bottom' } },
      },
    });
    return () => chart.current?.destroy();
  }, []);

  useEffect(() => {
    const current = chart.current;
    if (!current) return;
    current.data.labels = samples.map((sample) => new Date(sample.at).toLocaleTimeString());
    SERIES.forEach((series, index) => {
      const dataset = current.data.datasets[index];
      if (dataset) dataset.data = samples.map(series.value);
    });
    current.update('none');
  }, [samples]);

  return html`<div class="chart" data-testid="queue-chart"><canvas ref=${canvas}></canvas></div>`;
}
