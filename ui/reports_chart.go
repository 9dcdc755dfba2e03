package ui

import (
	"fmt"
	"image/color"
	"math"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"patchdesk/model/reports"
)

// reportChart draws a report's chart spec with Fyne's canvas primitives (rectangles, arcs,
// lines, text) in the theme's colours. It lays itself out again on every resize and theme
// change, so it needs no image rendering and no browser.
type reportChart struct {
	widget.BaseWidget
	spec   *reports.Chart
	labels []string
	series []reports.Series
}

func newReportChart() *reportChart {
	c := &reportChart{}
	c.ExtendBaseWidget(c)
	return c
}

// SetChart shows a chart spec (nil clears the chart).
func (c *reportChart) SetChart(spec *reports.Chart) {
	c.spec, c.labels, c.series = spec, nil, nil
	if spec != nil {
		var err error
		if c.labels, c.series, err = spec.Resolve(); err != nil {
			fyne.LogError("resolve report chart", err)
			c.spec = nil
		}
	}
	c.Refresh()
}

func (c *reportChart) MinSize() fyne.Size { return fyne.NewSize(200, 160) }

func (c *reportChart) CreateRenderer() fyne.WidgetRenderer { return &chartRenderer{c: c} }

type chartRenderer struct {
	c       *reportChart
	objects []fyne.CanvasObject
	size    fyne.Size
}

func (r *chartRenderer) Destroy()                     {}
func (r *chartRenderer) MinSize() fyne.Size           { return r.c.MinSize() }
func (r *chartRenderer) Objects() []fyne.CanvasObject { return r.objects }
func (r *chartRenderer) Refresh()                     { r.Layout(r.size); canvas.Refresh(r.c) }

func (r *chartRenderer) Layout(size fyne.Size) {
	r.size = size
	r.objects = r.objects[:0]
	c := r.c
	if c.spec == nil || len(c.labels) == 0 || size.Width < 40 || size.Height < 40 {
		return
	}
	pad := theme.Padding()
	title := r.text(c.spec.Title, theme.TextSize(), true)
	title.Move(fyne.NewPos((size.Width-title.MinSize().Width)/2, 0))
	top := title.MinSize().Height + pad
	area := fyne.NewSize(size.Width, size.Height-top)
	switch c.spec.Kind {
	case reports.ChartPie:
		r.pie(top, area)
	default:
		r.axes(top, area)
	}
}

func (r *chartRenderer) add(o fyne.CanvasObject) { r.objects = append(r.objects, o) }

func (r *chartRenderer) text(s string, size float32, bold bool) *canvas.Text {
	t := canvas.NewText(s, theme.Color(theme.ColorNameForeground))
	t.TextSize, t.TextStyle = size, fyne.TextStyle{Bold: bold}
	t.Resize(t.MinSize())
	r.add(t)
	return t
}

// palette are the series colours: the theme's named primary colours, which it adapts to light
// and dark variants.
var palette = []string{theme.ColorBlue, theme.ColorOrange, theme.ColorGreen, theme.ColorPurple, theme.ColorRed,
	theme.ColorYellow, theme.ColorBrown, theme.ColorGray}

// seriesColor is the colour of series (or pie slice) i: the theme colour the spec names, else
// the palette's.
func seriesColor(name string, i int) color.Color {
	switch name {
	case reports.ColorSuccess:
		return theme.Color(theme.ColorNameSuccess)
	case reports.ColorError:
		return theme.Color(theme.ColorNameError)
	case reports.ColorWarning:
		return theme.Color(theme.ColorNameWarning)
	case reports.ColorNeutral:
		return theme.Color(theme.ColorNameDisabled)
	case reports.ColorPrimary:
		return theme.Color(theme.ColorNamePrimary)
	}
	return theme.PrimaryColorNamed(palette[i%len(palette)])
}

// axes draws bars (stacked when there are several series) or lines over the labels.
func (r *chartRenderer) axes(top float32, area fyne.Size) {
	c := r.c
	small := theme.CaptionTextSize()
	pad := theme.Padding()
	maxV := 0.0
	for i := range c.labels {
		sum := 0.0
		for _, s := range c.series {
			if c.spec.Kind == reports.ChartBar {
				sum += s.Values[i]
			} else {
				sum = math.Max(sum, s.Values[i])
			}
		}
		maxV = math.Max(maxV, sum)
	}
	maxV = niceCeil(maxV)

	legendH := float32(0)
	if len(c.series) > 1 {
		legendH = r.legend(top+area.Height, area.Width, seriesNames(c.series))
	}
	maxLabel := r.text(formatAxis(maxV), small, false)
	left := maxLabel.MinSize().Width + 2*pad
	labelH := maxLabel.MinSize().Height
	plotTop := top + labelH/2
	plotH := area.Height - labelH - pad - legendH - labelH/2
	plotW := area.Width - left - pad
	if plotH < 10 || plotW < 10 {
		r.objects = r.objects[:0]
		return
	}
	maxLabel.Move(fyne.NewPos(left-pad-maxLabel.MinSize().Width, plotTop-labelH/2))
	zero := r.text("0", small, false)
	zero.Move(fyne.NewPos(left-pad-zero.MinSize().Width, plotTop+plotH-labelH/2))
	grid := theme.Color(theme.ColorNameSeparator)
	for _, y := range []float32{plotTop, plotTop + plotH/2} {
		l := canvas.NewLine(grid)
		l.Position1, l.Position2 = fyne.NewPos(left, y), fyne.NewPos(left+plotW, y)
		r.add(l)
	}
	axis := canvas.NewLine(theme.Color(theme.ColorNameForeground))
	axis.Position1, axis.Position2 = fyne.NewPos(left, plotTop+plotH), fyne.NewPos(left+plotW, plotTop+plotH)
	r.add(axis)

	n := len(c.labels)
	slot := plotW / float32(n)
	yOf := func(v float64) float32 { return plotTop + plotH - float32(v/maxV)*plotH }
	// Labels that would overlap are thinned out: every step-th is drawn.
	widest := float32(0)
	for _, l := range c.labels {
		widest = max(widest, fyne.MeasureText(l, small, fyne.TextStyle{}).Width)
	}
	step := max(1, int(math.Ceil(float64((widest+pad)/slot))))
	for i, l := range c.labels {
		x := left + slot*float32(i)
		if i%step == 0 {
			t := r.text(l, small, false)
			t.Move(fyne.NewPos(x+slot/2-t.MinSize().Width/2, plotTop+plotH+pad/2))
		}
		if c.spec.Kind != reports.ChartBar {
			continue
		}
		base := 0.0
		barW := max(slot*0.6, 1)
		for si, s := range c.series {
			v := s.Values[i]
			if v <= 0 {
				continue
			}
			rect := canvas.NewRectangle(seriesColor(s.Color, si))
			y0, y1 := yOf(base), yOf(base+v)
			rect.Move(fyne.NewPos(x+(slot-barW)/2, y1))
			rect.Resize(fyne.NewSize(barW, y0-y1))
			r.add(rect)
			base += v
		}
	}
	if c.spec.Kind == reports.ChartLine {
		for si, s := range c.series {
			col := seriesColor(s.Color, si)
			var prev fyne.Position
			for i, v := range s.Values {
				p := fyne.NewPos(left+slot*float32(i)+slot/2, yOf(v))
				if i > 0 {
					l := canvas.NewLine(col)
					l.StrokeWidth = 2
					l.Position1, l.Position2 = prev, p
					r.add(l)
				}
				dot := canvas.NewCircle(col)
				dot.Move(p.SubtractXY(2.5, 2.5))
				dot.Resize(fyne.NewSize(5, 5))
				r.add(dot)
				prev = p
			}
		}
	}
}

// pie draws the first series as slices with a legend on the right.
func (r *chartRenderer) pie(top float32, area fyne.Size) {
	c := r.c
	values := c.series[0].Values
	total := 0.0
	for _, v := range values {
		total += v
	}
	if total <= 0 {
		return
	}
	names := make([]string, len(c.labels))
	for i, l := range c.labels {
		names[i] = fmt.Sprintf("%s (%s)", l, formatAxis(values[i]))
	}
	legendW := float32(0)
	for _, n := range names {
		legendW = max(legendW, fyne.MeasureText(n, theme.CaptionTextSize(), fyne.TextStyle{}).Width)
	}
	legendW += 20 + theme.Padding()*2
	d := min(area.Width-legendW, area.Height) - theme.Padding()
	if d < 20 {
		return
	}
	center := fyne.NewPos((area.Width-legendW)/2, top+area.Height/2)
	start := float32(0)
	for i, v := range values {
		end := start + float32(v/total*360)
		name := ""
		if i < len(c.spec.SliceColors) {
			name = c.spec.SliceColors[i]
		}
		arc := canvas.NewArc(start, end, 0.45, seriesColor(name, i))
		arc.Move(center.SubtractXY(d/2, d/2)) // an arc fills its box; center the box
		arc.Resize(fyne.NewSize(d, d))
		r.add(arc)
		start = end
	}
	r.legendColumn(fyne.NewPos(area.Width-legendW+theme.Padding(), top), names)
}

// legend draws one row of series names under the plot and returns its height.
func (r *chartRenderer) legend(bottom, width float32, names []string) float32 {
	small := theme.CaptionTextSize()
	h := fyne.MeasureText("M", small, fyne.TextStyle{}).Height
	x := float32(0)
	for i, n := range names {
		sw := canvas.NewRectangle(seriesColor(r.c.series[i].Color, i))
		sw.Move(fyne.NewPos(x, bottom-h+2))
		sw.Resize(fyne.NewSize(12, h-4))
		r.add(sw)
		t := r.text(n, small, false)
		t.Move(fyne.NewPos(x+16, bottom-h))
		x += 16 + t.MinSize().Width + theme.Padding()*2
		if x > width {
			break
		}
	}
	return h + theme.Padding()
}

func (r *chartRenderer) legendColumn(at fyne.Position, names []string) {
	small := theme.CaptionTextSize()
	h := fyne.MeasureText("M", small, fyne.TextStyle{}).Height + 2
	for i, n := range names {
		y := at.Y + float32(i)*h
		if y+h > r.size.Height {
			break
		}
		name := ""
		if i < len(r.c.spec.SliceColors) {
			name = r.c.spec.SliceColors[i]
		}
		sw := canvas.NewRectangle(seriesColor(name, i))
		sw.Move(fyne.NewPos(at.X, y+2))
		sw.Resize(fyne.NewSize(12, h-4))
		r.add(sw)
		t := r.text(n, small, false)
		t.Move(fyne.NewPos(at.X+16, y))
	}
}

func seriesNames(series []reports.Series) []string {
	out := make([]string, len(series))
	for i, s := range series {
		out[i] = s.Name
	}
	return out
}

// niceCeil rounds an axis maximum up to 1, 2 or 5 times a power of ten.
func niceCeil(v float64) float64 {
	if v <= 0 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5, 10} {
		if v <= m*p {
			return m * p
		}
	}
	return 10 * p
}

func formatAxis(v float64) string {
	if v == math.Trunc(v) {
		return fmt.Sprintf("%.0f", v)
	}
	return fmt.Sprintf("%.2g", v)
}
