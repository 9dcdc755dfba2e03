// Package patchdesk carries the design card, FyneApp.toml, into plain `go build` binaries:
// `fyne package` bundles the same metadata itself, so both builds show one ID, name, version
// and icon.
package patchdesk

import (
	_ "embed"
	"fmt"

	"github.com/BurntSushi/toml"
)

//go:embed FyneApp.toml
var fyneAppTOML []byte

//go:embed assets/icon.png
var iconPNG []byte

// Card is the part of FyneApp.toml the program uses.
type Card struct {
	Details struct {
		Icon    string
		Name    string
		ID      string
		Version string
		Build   int
	}
	Migrations map[string]bool
}

// DesignCard parses the embedded FyneApp.toml.
func DesignCard() (Card, error) {
	var c Card
	if _, err := toml.Decode(string(fyneAppTOML), &c); err != nil {
		return c, fmt.Errorf("parse embedded FyneApp.toml: %w", err)
	}
	return c, nil
}

// Icon is the application icon (PNG).
func Icon() []byte { return iconPNG }
