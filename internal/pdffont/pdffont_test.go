package pdffont

import (
	"os"
	"path/filepath"
	"testing"
)

func TestLoadRefusesMissingAndBrokenFonts(t *testing.T) {
	dir := t.TempDir()
	broken := filepath.Join(dir, "broken.ttf")
	if err := os.WriteFile(broken, []byte("not a font at all"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, paths := range [][2]string{{filepath.Join(dir, "missing.ttf"), broken}, {broken, broken}} {
		if fc, ok := Load(paths[0], paths[1]); ok || fc.OK() {
			t.Errorf("Load(%v) = ok; want refused", paths)
		}
	}
}

func TestSystemFaceSetsNamesOutsideWindows1252(t *testing.T) {
	fc := System()
	if !fc.OK() {
		if os.Getenv("CI") == "true" {
			t.Fatal("no system font: CI installs fonts-liberation")
		}
		t.Skip("no Liberation or DejaVu font on this machine")
	}
	for _, r := range "Łŵŷ" {
		if _, ok := fc.Has[uint16(r)]; !ok {
			t.Errorf("system face has no glyph for %q", r)
		}
	}
}
