// Command mkcatalog converts the public data in ../shared/data (MSRC CVRF documents and winget
// manifests) into the PatchDesk catalog format under assets/catalog, the snapshot PatchDesk
// embeds and imports on first start.
//
//	go run ./jobs/cmd/mkcatalog -data ../shared/data -out assets/catalog
//
// The output depends only on the input: the index's "generated" date is the newest revision
// date in the data, so re-running on unchanged data changes no file.
package main

import (
	"context"
	"flag"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"patchdesk/jobs"
	"patchdesk/model"
)

func main() {
	data := flag.String("data", "../shared/data", "folder holding msrc/ and winget/")
	out := flag.String("out", "assets/catalog", "folder to write the catalog to (its .json files are replaced)")
	flag.Parse()
	if err := run(context.Background(), *data, *out); err != nil {
		slog.Error("mkcatalog failed", "err", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, data, out string) error {
	var all []model.CatalogBulletin
	for _, sub := range []string{"msrc", "winget"} {
		bs, err := jobs.ReadLocation(ctx, filepath.Join(data, sub))
		if err != nil {
			return err
		}
		all = append(all, bs...)
	}
	parts := map[string][]model.CatalogBulletin{}
	var generated time.Time
	for _, b := range all {
		parts[partPath(b)] = append(parts[partPath(b)], b)
		if b.Revised.After(generated) {
			generated = b.Revised
		}
	}
	var list []jobs.NativePart
	for _, p := range slices.Sorted(keys(parts)) {
		list = append(list, jobs.NativePart{Path: p, Bulletins: parts[p]})
	}
	if err := removeOldParts(out); err != nil {
		return err
	}
	err := jobs.WriteNativeCatalog(list, generated, "patchdesk mkcatalog", func(name string, b []byte) error {
		p := filepath.Join(out, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		return os.WriteFile(p, b, 0o644)
	})
	if err != nil {
		return err
	}
	updates := 0
	for _, b := range all {
		updates += len(b.Updates)
	}
	fmt.Printf("wrote %d bulletins with %d updates in %d parts to %s\n", len(all), updates, len(list), out)
	return nil
}

// partPath groups MSRC bulletins by release month and winget bulletins by package, so a
// monthly MSRC addition or a new package version changes one part file only.
func partPath(b model.CatalogBulletin) string {
	if strings.HasPrefix(b.ID, "KB") {
		return "msrc/" + b.Released.Format("2006-01") + ".json"
	}
	id, _, _ := strings.Cut(b.ID, " ")
	return "winget/" + id + ".json"
}

func removeOldParts(out string) error {
	if _, err := os.Stat(out); os.IsNotExist(err) {
		return nil
	}
	return filepath.WalkDir(out, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && strings.HasSuffix(p, ".json") {
			return os.Remove(p)
		}
		return nil
	})
}

func keys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}
