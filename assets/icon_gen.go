//go:build ignore

// Draws assets/icon.png, PatchDesk's icon: a bandage-like patch over a blue tile.
// Run with `go run assets/icon_gen.go` from the repository root.
package main

import (
	"image"
	"image/color"
	"image/png"
	"log"
	"math"
	"os"
)

const size = 512

// roundedBox is the signed distance from p to a box of half-size (bx, by) with corner radius r.
func roundedBox(px, py, bx, by, r float64) float64 {
	qx, qy := math.Abs(px)-bx+r, math.Abs(py)-by+r
	return math.Hypot(math.Max(qx, 0), math.Max(qy, 0)) + math.Min(math.Max(qx, qy), 0) - r
}

func main() {
	img := image.NewNRGBA(image.Rect(0, 0, size, size))
	tile := color.NRGBA{0x1f, 0x6f, 0xd1, 0xff}
	tileDark := color.NRGBA{0x17, 0x55, 0xa6, 0xff}
	patch := color.NRGBA{0xff, 0xff, 0xff, 0xff}
	pad := color.NRGBA{0xf2, 0xc1, 0x4e, 0xff}
	for y := 0; y < size; y++ {
		for x := 0; x < size; x++ {
			px, py := float64(x)-size/2+0.5, float64(y)-size/2+0.5
			d := roundedBox(px, py, 240, 240, 96)
			if d > 0.5 {
				continue
			}
			c := tile
			if py > 0 {
				c = lerp(tile, tileDark, py/240)
			}
			// The patch: a rounded strip at 45 degrees with a pad in its middle.
			rx, ry := (px+py)/math.Sqrt2, (py-px)/math.Sqrt2
			if roundedBox(rx, ry, 190, 62, 60) <= 0 {
				c = patch
				if roundedBox(rx, ry, 62, 44, 14) <= 0 {
					c = pad
				}
			}
			if d > -0.5 {
				c.A = uint8(255 * (0.5 - d))
			}
			img.SetNRGBA(x, y, c)
		}
	}
	f, err := os.Create("assets/icon.png")
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, img); err != nil {
		log.Fatal(err)
	}
}

func lerp(a, b color.NRGBA, t float64) color.NRGBA {
	t = math.Max(0, math.Min(1, t))
	m := func(x, y uint8) uint8 { return uint8(float64(x) + (float64(y)-float64(x))*t) }
	return color.NRGBA{m(a.R, b.R), m(a.G, b.G), m(a.B, b.B), 0xff}
}
