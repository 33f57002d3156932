/** The subset of plotly's figure schema that memkit writes (and its static renderer reads). */

/** One plotly trace. Extra plotly attributes pass through untouched. */
export interface PlotlyTrace {
  type?: string;
  name?: string;
  x?: number[];
  y?: number[];
  xaxis?: string;
  yaxis?: string;
  mode?: string;
  stackgroup?: string;
  fill?: string;
  fillcolor?: string;
  line?: { color?: string; width?: number; dash?: string; shape?: string };
  hovertemplate?: string;
  showlegend?: boolean;
  [attribute: string]: unknown;
}

/** A plotly figure: `data` and `layout`, as `Plotly.newPlot` takes them. */
export interface PlotlyFigure {
  data: PlotlyTrace[];
  layout: Record<string, unknown>;
}
