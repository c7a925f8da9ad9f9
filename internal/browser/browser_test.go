package browser

import (
	"image"
	"image/color"
	"testing"
)

func TestInkTellsABlankPageFromADrawnOne(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 100, 100))
	for i := range img.Pix {
		img.Pix[i] = 0xff
	}
	if ink, colours := Ink(img); ink != 0 || colours != 1 {
		t.Errorf("blank: ink %g, %d colours; want 0 and 1", ink, colours)
	}
	for x := range 50 {
		for y := range 20 {
			img.Set(x, y, color.RGBA{0x1d, 0x4e, 0xd8, 0xff})
		}
	}
	if ink, colours := Ink(img); ink != 0.1 || colours != 2 {
		t.Errorf("a tenth drawn: ink %g, %d colours; want 0.1 and 2", ink, colours)
	}
}
