/** The subset of plotly's figure schema that memkit writes (and its static renderer reads). */

/** One plotly trace. Extra plotly attributes pass through untouched. */
export interface PlotlyTrace {
  /** Trace type; memkit writes "scatter". */
  type?: string;
  /** Legend and hover name. */
  name?: string;
  /** X values (seconds, for timelines). */
  x?: number[];
  /** Y values. */
  y?: number[];
  /** The x axis id, e.g. "x". */
  xaxis?: string;
  /** The y axis id: "y", "y2" (tensor count), "y3" (GPU). */
  yaxis?: string;
  /** Drawing mode, e.g. "lines". */
  mode?: string;
  /** Traces with the same stack group are stacked. */
  stackgroup?: string;
  /** Fill mode, e.g. "tozeroy". */
  fill?: string;
  /** Fill colour. */
  fillcolor?: string;
  /** Line style. */
  line?: { color?: string; width?: number; dash?: string; shape?: string };
  /** Hover text template (d3-format). */
  hovertemplate?: string;
  /** Whether the trace is in the legend. */
  showlegend?: boolean;
  /** Any other plotly attribute. */
  [attribute: string]: unknown;
}

/** A plotly figure: `data` and `layout`, as `Plotly.newPlot` takes them. */
export interface PlotlyFigure {
  /** The traces. */
  data: PlotlyTrace[];
  /** Axes, shapes, annotations, title and the rest of plotly's layout. */
  layout: Record<string, unknown>;
}
