package reports

import (
	"fmt"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"

	"github.com/oncall-health/oncall-health/analysis"
)

// sreLine is the Google SRE book's on-call load guideline: at most two
// incidents per 12-hour shift.
const sreLine = 2.0

// Colours shared by charts and CSS.
const (
	colBusiness = "#5b8def"
	colOff      = "#f5a524"
	colSleep    = "#6a3fc1"
	colLevel1   = "#3156c9"
	colLevel2   = "#a9bdf2"
	colLine     = "#3156c9"
	colSRE      = "#b42318"
)

// chartView is one chart as the templates draw it: an element with ID and a
// JSON data block holding the ECharts option. Option is marshalled by
// html/template in a script data block, which escapes '<', '>' and '&', so
// no string in it can close the script element.
type chartView struct {
	ID     string
	Class  string // CSS class: chart, chart tall, chart heat, spark
	Label  string // accessible description of the chart
	Option map[string]any
}

// chartOption validates a go-echarts chart and returns its option object
// without any asset (script) reference.
type jsonChart interface {
	Validate()
	JSON() map[string]interface{}
}

func optionOf(c jsonChart) map[string]any {
	c.Validate()
	o := c.JSON()
	o["animation"] = false // draw at once: screenshots, print and tests see the final chart
	return o
}

// defaultGrid leaves room for the legend on top.
var defaultGrid = opts.Grid{Left: "8", Right: "16", Top: "36", Bottom: "8", ContainLabel: opts.Bool(true)}

// baseOpts are the options every chart starts from: its element id, no
// animation, an axis tooltip, a legend on top and grid. A chart that wants
// another tooltip or legend appends its own after these: the later one
// replaces the earlier.
func baseOpts(id string, grid opts.Grid) []charts.GlobalOpts {
	return []charts.GlobalOpts{
		charts.WithInitializationOpts(opts.Initialization{ChartID: id, AssetsHost: "/"}),
		charts.WithAnimation(false),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "axis"}),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(true), Top: "0"}),
		charts.WithGridOpts(grid),
	}
}

var weekdays = []string{"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"}

func hourLabels() []string {
	h := make([]string, 24)
	for i := range h {
		h[i] = fmt.Sprintf("%02d", i)
	}
	return h
}

// heatmapChart draws interruptions by local weekday (rows, Monday on top)
// and local hour (columns).
func heatmapChart(id string, hm *analysis.Heatmap) chartView {
	max := 1
	data := make([]opts.HeatMapData, 0, 7*24)
	for d := 0; d < 7; d++ {
		for h := 0; h < 24; h++ {
			v := hm[d][h]
			if v > max {
				max = v
			}
			var val any = v
			if v == 0 {
				val = "-" // ECharts leaves "-" cells empty
			}
			data = append(data, opts.HeatMapData{Value: []any{h, d, val}})
		}
	}
	c := charts.NewHeatMap()
	c.SetGlobalOptions(append(baseOpts(id, opts.Grid{Left: "8", Right: "8", Top: "8", Bottom: "44", ContainLabel: opts.Bool(true)}),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "item"}),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(false)}),
		charts.WithXAxisOpts(opts.XAxis{Type: "category", Data: hourLabels(), Name: "local hour", NameLocation: "middle", NameGap: 24, SplitArea: &opts.SplitArea{Show: opts.Bool(true)}}),
		charts.WithYAxisOpts(opts.YAxis{Type: "category", Data: weekdays, Inverse: opts.Bool(true), SplitArea: &opts.SplitArea{Show: opts.Bool(true)}}),
		charts.WithVisualMapOpts(opts.VisualMap{
			Type: "continuous", Calculable: opts.Bool(false), Min: 0, Max: float32(max),
			Orient: "horizontal", Left: "center", Bottom: "0", Show: opts.Bool(false),
			InRange: &opts.VisualMapInRange{Color: []string{"#e8eefc", "#9db4f0", "#3156c9", "#1b2f78"}},
		}),
	)...)
	c.SetXAxis(hourLabels()).AddSeries("Pages", data, charts.WithLabelOpts(opts.Label{Show: opts.Bool(true), FontSize: 10}))
	return chartView{ID: id, Class: "chart heat", Label: "Heat map of pages by local weekday and hour", Option: optionOf(c)}
}

// loadTrendChart draws alerts per 12 h on call per period as bars with the
// SRE guideline as a line.
func loadTrendChart(id string, labels []string, values []*float64) chartView {
	data := make([]opts.BarData, len(values))
	for i, v := range values {
		if v == nil {
			data[i] = opts.BarData{Value: "-"}
			continue
		}
		col := colLine
		if *v > sreLine {
			col = colSRE
		}
		data[i] = opts.BarData{Value: round1(*v), ItemStyle: &opts.ItemStyle{Color: col}}
	}
	c := charts.NewBar()
	c.SetGlobalOptions(append(baseOpts(id, opts.Grid{Left: "8", Right: "48", Top: "36", Bottom: "8", ContainLabel: opts.Bool(true)}),
		charts.WithYAxisOpts(opts.YAxis{Type: "value", Name: "per 12 h"}),
	)...)
	c.SetXAxis(labels).AddSeries("Alerts per 12 h on call", data,
		charts.WithMarkLineNameYAxisItemOpts(opts.MarkLineNameYAxisItem{Name: "SRE guideline: 2 per 12 h", YAxis: sreLine}),
		charts.WithMarkLineStyleOpts(opts.MarkLineStyle{
			Symbol:    []string{"none", "none"},
			Label:     &opts.Label{Show: opts.Bool(true), Formatter: "SRE 2", Position: "end"},
			LineStyle: &opts.LineStyle{Color: colSRE, Type: "dashed", Width: 2},
		}),
	)
	return chartView{ID: id, Class: "chart", Label: "Alerts per 12 hours on call by period, against the SRE guideline of 2", Option: optionOf(c)}
}

// stackedBars draws horizontal stacked bars: one category per row, one
// series per stack part.
func stackedBars(id, label string, cats []string, series []barSeries, class string) chartView {
	c := charts.NewBar()
	c.SetGlobalOptions(append(baseOpts(id, defaultGrid),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "axis", AxisPointer: &opts.AxisPointer{Type: "shadow"}}),
		// XYReversal below swaps the data only: the category axis is y.
		charts.WithXAxisOpts(opts.XAxis{Type: "value"}),
		charts.WithYAxisOpts(opts.YAxis{Type: "category", Inverse: opts.Bool(true), AxisLabel: &opts.AxisLabel{Width: 180, Overflow: "truncate"}}),
	)...)
	c.SetXAxis(cats)
	addStacks(c, series, opts.BarChart{Stack: "total", BarWidth: "60%"})
	c.XYReversal()
	if class == "" {
		class = "chart"
	}
	return chartView{ID: id, Class: class, Label: label, Option: optionOf(c)}
}

// periodBars draws vertical stacked bars: one category per period, oldest
// on the left, one series per stack part.
func periodBars(id, label string, cats []string, series []barSeries) chartView {
	c := charts.NewBar()
	c.SetGlobalOptions(append(baseOpts(id, defaultGrid),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "axis", AxisPointer: &opts.AxisPointer{Type: "shadow"}}),
		charts.WithXAxisOpts(opts.XAxis{Type: "category"}),
		charts.WithYAxisOpts(opts.YAxis{Type: "value", MinInterval: 1}),
	)...)
	c.SetXAxis(cats)
	addStacks(c, series, opts.BarChart{Stack: "total"})
	return chartView{ID: id, Class: "chart", Label: label, Option: optionOf(c)}
}

// addStacks adds each series to c as bars with style bar, values rounded
// to one decimal.
func addStacks(c *charts.Bar, series []barSeries, bar opts.BarChart) {
	for _, s := range series {
		data := make([]opts.BarData, len(s.Values))
		for i, v := range s.Values {
			data[i] = opts.BarData{Value: round1(v)}
		}
		c.AddSeries(s.Name, data, charts.WithBarChartOpts(bar), charts.WithItemStyleOpts(opts.ItemStyle{Color: s.Color}))
	}
}

type barSeries struct {
	Name   string
	Color  string
	Values []float64
}

// sparkline draws a small line without axes for a KPI card.
func sparkline(id, label string, cats []string, values []*float64) chartView {
	data := make([]opts.LineData, len(values))
	for i, v := range values {
		if v == nil {
			data[i] = opts.LineData{Value: "-"}
			continue
		}
		data[i] = opts.LineData{Value: round1(*v)}
	}
	c := charts.NewLine()
	c.SetGlobalOptions(append(baseOpts(id, opts.Grid{Left: "4", Right: "4", Top: "6", Bottom: "4"}),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(false)}),
		charts.WithXAxisOpts(opts.XAxis{Type: "category", Data: cats, Show: opts.Bool(false)}),
		charts.WithYAxisOpts(opts.YAxis{Type: "value", Show: opts.Bool(false), Scale: opts.Bool(true)}),
	)...)
	c.SetXAxis(cats).AddSeries(label, data,
		charts.WithLineChartOpts(opts.LineChart{Smooth: opts.Bool(false), ShowSymbol: opts.Bool(true), SymbolSize: 4, ConnectNulls: opts.Bool(true)}),
		charts.WithLineStyleOpts(opts.LineStyle{Color: colLine, Width: 2}),
		charts.WithItemStyleOpts(opts.ItemStyle{Color: colLine}),
		charts.WithAreaStyleOpts(opts.AreaStyle{Color: "rgba(49,86,201,0.10)"}),
	)
	return chartView{ID: id, Class: "spark", Label: label + " trend", Option: optionOf(c)}
}

func round1(v float64) float64 {
	if v < 0 {
		return -round1(-v)
	}
	return float64(int64(v*10+0.5)) / 10
}
