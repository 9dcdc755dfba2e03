package model

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"runtime"
	"slices"
	"sync"
	"time"

	"patchdesk/model/inventory"
)

// RecomputeOptions choose the computers a compliance pass evaluates.
type RecomputeOptions struct {
	// All evaluates every computer that has an inventory (the compliance-recompute job, and
	// after an import changed rules). Otherwise only stale computers are evaluated: never
	// evaluated, or their inventory or the catalog changed since.
	All bool
	// IDs, when set, evaluates exactly these computers.
	IDs []uint
	// Progress, when set, is told how many computers are done out of how many.
	Progress func(done, total int)
}

// RecomputeResult says what a compliance pass did.
type RecomputeResult struct {
	Computers int     `json:"computers"` // evaluated and stored
	Rows      int     `json:"rows"`      // (computer, update) rows stored: applicable or undecided
	Skipped   int     `json:"skipped"`   // deleted, or a newer inventory arrived, while evaluating
	Failed    int     `json:"failed"`    // stored inventory unreadable
	Updates   int     `json:"updates"`   // updates in the catalog with usable rules
	Seconds   float64 `json:"seconds"`
}

// Tuning of the pipeline: computers read per query, and computers written per transaction. A
// write transaction of 500 computers holds the write lock for tens of milliseconds, so the
// agent listener's uploads interleave with a full pass instead of waiting for its end.
const (
	recomputeReadPage   = 256
	recomputeWriteBatch = 500
)

// RecomputeCompliance evaluates computers' stored inventories against the catalog and stores
// the results. Inventories are decoded and evaluated on every core; results are written in
// batches of recomputeWriteBatch computers, each its own transaction.
func (s *Store) RecomputeCompliance(ctx context.Context, opts RecomputeOptions) (RecomputeResult, error) {
	start := time.Now()
	var res RecomputeResult
	cat, err := s.complianceCatalog(ctx)
	if err != nil {
		return res, err
	}
	res.Updates = len(cat.updates)
	ids, err := s.recomputeCandidates(ctx, opts, cat.rev)
	if err != nil {
		return res, err
	}
	if opts.Progress != nil {
		opts.Progress(0, len(ids))
	}
	if len(ids) > 0 {
		if err := s.runRecompute(ctx, cat, ids, !opts.All, opts.Progress, &res); err != nil {
			return res, err
		}
	}
	if opts.All {
		if err := s.rebuildBulletinCounts(ctx); err != nil {
			return res, err
		}
	}
	res.Seconds = time.Since(start).Seconds()
	s.log.Info("compliance recomputed", "computers", res.Computers, "rows", res.Rows, "skipped", res.Skipped,
		"failed", res.Failed, "updates", res.Updates, "all", opts.All, "took", time.Since(start).Round(time.Millisecond))
	return res, nil
}

func (s *Store) recomputeCandidates(ctx context.Context, opts RecomputeOptions, rev int64) ([]uint, error) {
	var ids []uint
	db := s.DB.WithContext(ctx)
	var err error
	switch {
	case len(opts.IDs) > 0:
		ids = slices.Clone(opts.IDs)
		slices.Sort(ids)
		ids = slices.Compact(ids)
	case opts.All:
		err = db.Raw("SELECT id FROM computers WHERE last_inventory_at IS NOT NULL ORDER BY id").Scan(&ids).Error
	default:
		err = db.Raw(`SELECT c.id FROM computers c LEFT JOIN compliance_computers cc ON cc.computer_id = c.id
			WHERE c.last_inventory_at IS NOT NULL
			  AND (cc.computer_id IS NULL OR cc.inventory_digest <> c.inventory_digest OR cc.catalog_rev <> ?)
			ORDER BY c.id`, rev).Scan(&ids).Error
	}
	if err != nil {
		return nil, fmt.Errorf("choose computers to evaluate: %w", err)
	}
	return ids, nil
}

// storedInventory is a computer's inventory as read from the database, not yet decoded.
type storedInventory struct {
	id     uint
	digest string
	blob   []byte
}

// runRecompute is the pipeline: one reader, a decoder/evaluator per core, one writer (this
// goroutine, since SQLite has one writer anyway).
func (s *Store) runRecompute(ctx context.Context, cat *complianceCatalog, ids []uint, deltas bool, progress func(int, int), res *RecomputeResult) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	blobs := make(chan storedInventory, 2*recomputeReadPage)
	results := make(chan computerResult, 2*recomputeWriteBatch)
	var failed sync.Map
	var wg sync.WaitGroup
	wg.Go(func() {
		defer close(blobs)
		if err := s.readInventories(ctx, ids, blobs); err != nil {
			cancel(err)
		}
	})
	var workers sync.WaitGroup
	for range max(1, runtime.GOMAXPROCS(0)) {
		workers.Go(func() {
			var dec inventoryDecoder
			ec := cat.newEvalCache()
			for b := range blobs {
				inv, err := dec.decode(b.blob)
				if err != nil {
					failed.Store(b.id, err)
					continue
				}
				r := computerResult{id: b.id, digest: b.digest, rev: cat.rev, results: ec.evaluateAll(&inv, nil)}
				select {
				case results <- r:
				case <-ctx.Done():
					return
				}
			}
		})
	}
	go func() { workers.Wait(); close(results) }()

	batch := make([]computerResult, 0, recomputeWriteBatch)
	done := 0
	write := func() error {
		n, err := s.writeCompliance(ctx, batch, deltas, time.Now().UTC())
		if err != nil {
			return err
		}
		res.Computers += n
		res.Skipped += len(batch) - n
		for _, r := range batch {
			res.Rows += len(r.results)
		}
		done += len(batch)
		batch = batch[:0]
		if progress != nil {
			progress(done, len(ids))
		}
		return nil
	}
	var werr error
	for r := range results {
		if werr != nil {
			continue // drain so the workers end
		}
		batch = append(batch, r)
		if len(batch) == recomputeWriteBatch {
			if werr = write(); werr != nil {
				cancel(werr)
			}
		}
	}
	wg.Wait()
	failed.Range(func(k, v any) bool {
		res.Failed++
		s.log.Warn("compliance: stored inventory unreadable", "computer", k, "err", v)
		return true
	})
	// The cause is the reader's or the writer's error, or the caller's cancellation.
	if err := context.Cause(ctx); err != nil {
		return err
	}
	if len(batch) > 0 {
		return write()
	}
	return nil
}

// readInventories reads the computers' stored inventories page by page (short read
// transactions, so the write-ahead log can be checkpointed during a long pass).
func (s *Store) readInventories(ctx context.Context, ids []uint, out chan<- storedInventory) error {
	for page := range slices.Chunk(ids, recomputeReadPage) {
		rows, err := s.DB.WithContext(ctx).Raw("SELECT id, inventory_digest, inventory FROM computers WHERE id IN ? AND inventory IS NOT NULL", page).Rows()
		if err != nil {
			return fmt.Errorf("read inventories: %w", err)
		}
		for rows.Next() {
			var b storedInventory
			if err := rows.Scan(&b.id, &b.digest, &b.blob); err != nil {
				rows.Close()
				return fmt.Errorf("read inventories: %w", err)
			}
			select {
			case out <- b:
			case <-ctx.Done():
				rows.Close()
				return ctx.Err()
			}
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return fmt.Errorf("read inventories: %w", err)
		}
	}
	return nil
}

// inventoryDecoder reads stored inventories (EncodeInventory's gzip JSON), reusing its gzip
// reader and buffer: a fresh gzip reader per computer was a third of a full pass's allocations.
type inventoryDecoder struct {
	zr  *gzip.Reader
	buf bytes.Buffer
}

func (d *inventoryDecoder) decode(blob []byte) (inventory.Inventory, error) {
	var inv inventory.Inventory
	var err error
	if d.zr == nil {
		d.zr, err = gzip.NewReader(bytes.NewReader(blob))
	} else {
		err = d.zr.Reset(bytes.NewReader(blob))
	}
	if err != nil {
		return inv, fmt.Errorf("read inventory: %w", err)
	}
	d.buf.Reset()
	if _, err := io.Copy(&d.buf, d.zr); err != nil {
		return inv, fmt.Errorf("read inventory: %w", err)
	}
	if err := json.Unmarshal(d.buf.Bytes(), &inv); err != nil {
		return inv, fmt.Errorf("read inventory: %w", err)
	}
	return inv, nil
}
