package vae

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"

	"github.com/gradgraph/gradgraph/datasets"
	"github.com/gradgraph/gradgraph/graph"
	"github.com/gradgraph/gradgraph/internal/atomicfile"
)

// Sample decodes n codes drawn from the prior N(0, I) with the stream of
// seed, and returns the pixels' probabilities, n × Pixels: the digits
// the model generates. It runs the decoder's branch of the graph (from
// Code), compiled on first use, in batches of at most Batch.
func (m *Model) Sample(n int, seed uint64) ([]float64, error) {
	if n < 0 {
		return nil, fmt.Errorf("vae: sample %d images", n)
	}
	codes := make([]float64, n*m.Latent)
	normals(codes, mix64(seed^0x7072696f722d7a21)) // "prior-z!"
	return m.chunks(&m.gen, m.Generated, n, func(lo, hi int) error {
		return fill(m.Code, hi-lo, func(v *graph.Value) {
			for i, x := range codes[lo*m.Latent : hi*m.Latent] {
				v.SetAt(i, x)
			}
		})
	})
}

// Reconstruct returns the decodings of the mean codes μ of the images
// idx of d, len(idx) × Pixels: what the model makes of them, without
// the noise of a draw. It runs the encoder's and decoder's branch to
// Reconstruction, compiled on first use, in batches of at most Batch.
func (m *Model) Reconstruct(d *datasets.Dataset, idx []int) ([]float64, error) {
	if d.Features != m.Pixels {
		return nil, fmt.Errorf("vae: %s has %d pixels an image, the model %d", d.Name, d.Features, m.Pixels)
	}
	for _, i := range idx {
		if i < 0 || i >= d.Len() {
			return nil, fmt.Errorf("vae: image %d of %d", i, d.Len())
		}
	}
	return m.chunks(&m.rec, m.Reconstruction, len(idx), func(lo, hi int) error {
		return fill(m.Images, hi-lo, func(v *graph.Value) {
			if v.F32 != nil {
				datasets.FillRows(d, idx[lo:hi], v.F32, nil)
			} else {
				datasets.FillRows(d, idx[lo:hi], v.F64, nil)
			}
		})
	})
}

// chunks runs the program *p (compiled for out on first use) on n
// samples, at most Batch at a time, after feed(lo, hi) sets the inputs
// for samples [lo, hi), and returns out's values one sample after the
// other.
func (m *Model) chunks(p **graph.Program, out *graph.Node, n int, feed func(lo, hi int) error) ([]float64, error) {
	if *p == nil {
		prog, err := m.Graph.Compile(out)
		if err != nil {
			return nil, err
		}
		*p = prog
	}
	res := make([]float64, 0, n*m.Pixels)
	for lo := 0; lo < n; lo += m.Batch {
		hi := min(n, lo+m.Batch)
		if err := feed(lo, hi); err != nil {
			return nil, err
		}
		(*p).Run()
		if err := (*p).Err(); err != nil {
			return nil, err
		}
		v := out.Storage()
		for i := range v.Len() {
			res = append(res, v.At(i))
		}
	}
	return res, nil
}

// fill sets the batch of the input in to b and writes its storage.
func fill(in *graph.Node, b int, write func(*graph.Value)) error {
	if err := in.SetBatch(b); err != nil {
		return err
	}
	write(in.Storage())
	return nil
}

// Pairs arranges originals and their reconstructions (each n images of
// pixels values) for Grid with cols columns: a row of originals, then the
// row of their reconstructions below it, and so on.
func Pairs(originals, reconstructions []float64, pixels, cols int) []float64 {
	n := len(originals) / pixels
	out := make([]float64, 0, 2*len(originals))
	for lo := 0; lo < n; lo += cols {
		hi := min(n, lo+cols)
		out = append(out, originals[lo*pixels:hi*pixels]...)
		out = append(out, reconstructions[lo*pixels:hi*pixels]...)
	}
	return out
}

// Grid lays images out in rows of cols: images holds them one after the
// other, each side × side values in [0, 1] (row-major), drawn as MNIST
// draws its digits, white on black, each pixel as a square of scale ×
// scale, with a grey line of gap pixels between images and around them.
// A last row that is not full is left black where images are missing.
func Grid(images []float64, side, cols, scale, gap int) *image.Gray {
	per := side * side
	n := len(images) / per
	rows := (n + cols - 1) / cols
	cell := side * scale
	w, h := gap+cols*(cell+gap), gap+rows*(cell+gap)
	img := image.NewGray(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = 128
	}
	for k := range rows * cols {
		x0, y0 := gap+(k%cols)*(cell+gap), gap+(k/cols)*(cell+gap)
		for y := range cell {
			for x := range cell {
				var v float64
				if k < n {
					v = images[k*per+(y/scale)*side+x/scale]
				}
				img.SetGray(x0+x, y0+y, color.Gray{Y: uint8(255*min(1, max(0, v)) + 0.5)})
			}
		}
	}
	return img
}

// WritePNG writes img to path as a PNG, atomically.
func WritePNG(path string, img image.Image) error {
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return err
	}
	return atomicfile.WriteFile(path, buf.Bytes(), 0o666)
}
