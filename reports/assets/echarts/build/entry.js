// The ECharts 5.4.3 modules the reports use, and no other: reports/charts.go
// (go-echarts v2.6.7) emits bar, line and heatmap series with grid axes, a
// tooltip (its axis pointer comes with it), a plain legend (never the
// scrolling one: no chart sets legend.type), a continuous visual map
// (heat maps) and a mark line (the SRE guideline). go-echarts also emits empty
// "title" and "toolbox" objects; ECharts ignores options of components that
// are not registered, and empty ones would draw nothing anyway.
import * as echarts from "echarts/core";
import { BarChart, LineChart, HeatmapChart } from "echarts/charts";
import {
  GridComponent,
  TooltipComponent,
  LegendPlainComponent,
  VisualMapContinuousComponent,
  MarkLineComponent,
} from "echarts/components";
import { CanvasRenderer } from "echarts/renderers";

echarts.use([
  BarChart,
  LineChart,
  HeatmapChart,
  GridComponent,
  TooltipComponent,
  LegendPlainComponent,
  VisualMapContinuousComponent,
  MarkLineComponent,
  CanvasRenderer,
]);

// The reports' init script calls the global echarts.init, as with the full
// dist/echarts.min.js.
globalThis.echarts = echarts;
