package testfns

import (
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg/draw"
)

// levelLines draws the level sets of a grid by marching squares, one short
// segment per cell crossed, always in the same order. (gonum's
// plotter.Contour joins its paths through a map, so the order of drawing —
// and with anti-aliasing the PNG's bytes — changed from run to run.)
type levelLines struct {
	g      grid
	levels []float64
	style  draw.LineStyle
}

// segments returns, for one level, the segments where the bilinear surface
// of each cell crosses it, as x1, y1, x2, y2.
func (l levelLines) segments(level float64) [][4]float64 {
	var out [][4]float64
	g := l.g
	for r := 0; r+1 < len(g.ys); r++ {
		for c := 0; c+1 < len(g.xs); c++ {
			// Corners counter-clockwise from the bottom left.
			xs := [4]float64{g.xs[c], g.xs[c+1], g.xs[c+1], g.xs[c]}
			ys := [4]float64{g.ys[r], g.ys[r], g.ys[r+1], g.ys[r+1]}
			zs := [4]float64{g.z[r][c], g.z[r][c+1], g.z[r+1][c+1], g.z[r+1][c]}
			var pts [][2]float64
			for e := 0; e < 4; e++ {
				a, b := e, (e+1)%4
				za, zb := zs[a]-level, zs[b]-level
				if (za < 0) == (zb < 0) {
					continue
				}
				t := za / (za - zb)
				pts = append(pts, [2]float64{xs[a] + t*(xs[b]-xs[a]), ys[a] + t*(ys[b]-ys[a])})
			}
			// Two crossings: one segment; four (a saddle): pair them in
			// edge order, which is a consistent, if arbitrary, choice.
			for i := 0; i+1 < len(pts); i += 2 {
				out = append(out, [4]float64{pts[i][0], pts[i][1], pts[i+1][0], pts[i+1][1]})
			}
		}
	}
	return out
}

// Plot implements plot.Plotter.
func (l levelLines) Plot(c draw.Canvas, p *plot.Plot) {
	tx, ty := p.Transforms(&c)
	for _, level := range l.levels {
		for _, s := range l.segments(level) {
			c.StrokeLine2(l.style, tx(s[0]), ty(s[1]), tx(s[2]), ty(s[3]))
		}
	}
}

// DataRange implements plot.DataRanger.
func (l levelLines) DataRange() (xmin, xmax, ymin, ymax float64) {
	return l.g.xs[0], l.g.xs[len(l.g.xs)-1], l.g.ys[0], l.g.ys[len(l.g.ys)-1]
}
