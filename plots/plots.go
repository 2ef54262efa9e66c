// Package plots draws the figures of gradgraph: training curves, loss
// curves of several optimizers, and optimizer trajectories over the contour
// lines of 2-D test functions. It is a thin layer over gonum.org/v1/plot
// that gives every figure a title, labelled axes and a legend, and writes
// PNG files.
package plots

import (
	"bytes"
	"fmt"
	"image/color"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"github.com/gradgraph/gradgraph/internal/atomicfile"
)

// Series is one named curve.
type Series struct {
	Name string
	X, Y []float64
	// Faint draws the series thin and light, for many noisy points behind
	// a smoother curve.
	Faint bool
}

// Palette is the sequence of colours given to series in order.
var Palette = []color.Color{
	color.RGBA{31, 119, 180, 255},
	color.RGBA{255, 127, 14, 255},
	color.RGBA{44, 160, 44, 255},
	color.RGBA{214, 39, 40, 255},
	color.RGBA{148, 103, 189, 255},
	color.RGBA{140, 86, 75, 255},
	color.RGBA{227, 119, 194, 255},
	color.RGBA{127, 127, 127, 255},
	color.RGBA{188, 189, 34, 255},
	color.RGBA{23, 190, 207, 255},
}

// Lines returns a plot of the series as lines, with a title, axis labels and
// a legend. logY draws the y axis on a log scale (every Y must be > 0).
func Lines(title, xLabel, yLabel string, logY bool, series ...Series) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = xLabel
	p.Y.Label.Text = yLabel
	p.Legend.Top = true
	if logY {
		p.Y.Scale = plot.LogScale{}
		p.Y.Tick.Marker = plot.LogTicks{Prec: 3} // Prec -1 prints 0.09999999999999998
	}
	p.Add(plotter.NewGrid())
	for i, s := range series {
		if len(s.X) != len(s.Y) {
			return nil, fmt.Errorf("plots: series %q has %d x and %d y values", s.Name, len(s.X), len(s.Y))
		}
		if len(s.X) == 0 {
			continue
		}
		xys := make(plotter.XYs, len(s.X))
		for k := range s.X {
			xys[k].X, xys[k].Y = s.X[k], s.Y[k]
			if logY && !(xys[k].Y > 1e-12) {
				xys[k].Y = 1e-12 // a log axis cannot show 0 (or NaN)
			}
		}
		l, err := plotter.NewLine(xys)
		if err != nil {
			return nil, fmt.Errorf("plots: series %q: %w", s.Name, err)
		}
		l.Color = Palette[i%len(Palette)]
		l.Width = vg.Points(1.5)
		if s.Faint {
			r, g, b, _ := l.Color.RGBA()
			l.Color = color.NRGBA{uint8(r >> 8), uint8(g >> 8), uint8(b >> 8), 90}
			l.Width = vg.Points(0.75)
		}
		if i >= len(Palette) {
			l.Dashes = []vg.Length{vg.Points(4), vg.Points(2)}
		}
		p.Add(l)
		p.Legend.Add(s.Name, l)
	}
	return p, nil
}

// Save writes plots side by side (one row) into a PNG file of the given
// size in points, atomically.
func Save(path string, width, height vg.Length, ps ...*plot.Plot) error {
	img := vgimg.NewWith(vgimg.UseWH(width, height), vgimg.UseDPI(96))
	dc := draw.New(img)
	tiles := draw.Tiles{Rows: 1, Cols: len(ps), PadX: vg.Millimeter * 6, PadY: vg.Millimeter * 3,
		PadTop: vg.Millimeter * 2, PadBottom: vg.Millimeter * 2, PadLeft: vg.Millimeter * 2, PadRight: vg.Millimeter * 4}
	canvases := plot.Align([][]*plot.Plot{ps}, tiles, dc)
	for i, p := range ps {
		p.Draw(canvases[0][i])
	}
	return atomicfile.WriteFile(path, pngBytes(img), 0o666)
}

func pngBytes(img *vgimg.Canvas) []byte {
	var buf bytes.Buffer
	_, _ = vgimg.PngCanvas{Canvas: img}.WriteTo(&buf)
	return buf.Bytes()
}
