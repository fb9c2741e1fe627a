import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface SeriesPoint {
  at: string;
  answered: number;
  answeredWithinSla: number;
  abandoned: number;
}

/** A queue's last hour: answered, answered within SLA and abandoned per 5 minutes (uPlot, 45 KB). */
export function QueueChart({ name, points }: { name: string; points: SeriesPoint[] }) {
  const host = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!host.current) return;
    const data: uPlot.AlignedData = [
      points.map((p) => Date.parse(p.at) / 1000),
      points.map((p) => p.answered),
      points.map((p) => p.answeredWithinSla),
      points.map((p) => p.abandoned),
    ];
    const chart = new uPlot(
      {
        width: 420,
        height: 160,
        legend: { show: true },
        series: [
          {},
          { label: 'Answered', stroke: '#1d4ed8', width: 2 },
          { label: 'Within SLA', stroke: '#047857', width: 2 },
          { label: 'Abandoned', stroke: '#b91c1c', width: 2 },
        ],
        axes: [{}, { label: 'per 5 min' }],
      },
      data,
      host.current,
    );
    return () => chart.destroy();
  }, [points]);
  return <figure class="chart" ref={host} aria-label={`${name}: the last hour`} />;
}
