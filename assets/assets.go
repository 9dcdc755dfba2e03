// Package assets holds the files built into PatchDesk. The catalog snapshot under catalog/ is
// generated from public data by `make catalog` (go run ./jobs/cmd/mkcatalog); see
// catalog/SOURCES.md for where that data comes from and its licences.
package assets

import (
	"embed"
	"io/fs"
)

//go:embed catalog
var catalog embed.FS

// Catalog is the embedded PatchDesk-format catalog snapshot (index.json at its root), the
// import's default location.
func Catalog() fs.FS {
	sub, err := fs.Sub(catalog, "catalog")
	if err != nil {
		panic(err) // the directive above guarantees the folder
	}
	return sub
}
