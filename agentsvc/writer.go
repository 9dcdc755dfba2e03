package agentsvc

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"patchdesk/model"
)

// maxInventoryBatch bounds one group commit; larger batches gain little and hold the write lock
// longer.
const maxInventoryBatch = 256

// maxHeartbeatBatch bounds one check-in flush, so that an inventory upload never waits long
// behind thousands of check-ins.
const maxHeartbeatBatch = 250

// slowWrite is how long a batch may take before the listener logs it: longer ones show as agents'
// tail latency.
const slowWrite = 100 * time.Millisecond

// writer is the listener's only database writer for the hot path. Inventories are committed in
// groups and acknowledged only after their commit, so an acknowledged inventory survives a
// crash; check-ins are flushed behind, coalesced per computer, every flushEvery.
type writer struct {
	store      Store
	reg        *registry
	log        *slog.Logger
	flushEvery time.Duration
	jobs       chan invJob
	done       chan struct{}
}

type invJob struct {
	rec    model.InventoryRecord
	result chan error
}

func newWriter(store Store, reg *registry, log *slog.Logger, flushEvery time.Duration) *writer {
	return &writer{store: store, reg: reg, log: log, flushEvery: flushEvery, jobs: make(chan invJob, 4*maxInventoryBatch), done: make(chan struct{})}
}

// saveInventory queues an inventory and waits for its commit.
func (w *writer) saveInventory(ctx context.Context, rec model.InventoryRecord) error {
	j := invJob{rec: rec, result: make(chan error, 1)}
	select {
	case w.jobs <- j:
	case <-ctx.Done():
		return ctx.Err()
	case <-w.done:
		return errors.New("listener is shutting down")
	}
	select {
	case err := <-j.result:
		return err
	case <-ctx.Done():
		return ctx.Err() // the commit may still happen; the agent will retry and find it equal
	case <-w.done:
		select { // drained at shutdown, or left behind by a shutdown that timed out
		case err := <-j.result:
			return err
		default:
			return errors.New("listener is shutting down")
		}
	}
}

// run writes until ctx ends, then flushes what is left.
func (w *writer) run(ctx context.Context) {
	defer close(w.done)
	tick := time.NewTicker(w.flushEvery)
	defer tick.Stop()
	for {
		select {
		case j := <-w.jobs:
			w.commitInventories(j)
		case <-tick.C:
			w.flushHeartbeats()
		case <-ctx.Done():
			w.drain()
			w.flushHeartbeats()
			return
		}
	}
}

// drain commits inventories still queued at shutdown, so no agent waits in vain.
func (w *writer) drain() {
	for {
		select {
		case j := <-w.jobs:
			w.commitInventories(j)
		default:
			return
		}
	}
}

func (w *writer) commitInventories(first invJob) {
	batch := []invJob{first}
collect:
	for len(batch) < maxInventoryBatch {
		select {
		case j := <-w.jobs:
			batch = append(batch, j)
		default:
			break collect
		}
	}
	recs := make([]model.InventoryRecord, len(batch))
	for i, j := range batch {
		recs[i] = j.rec
	}
	// Not the request's context: the batch belongs to many agents, and one that hangs up must
	// not roll back the others.
	t0 := time.Now()
	results, err := w.store.SaveInventories(context.Background(), recs)
	if d := time.Since(t0); d > slowWrite {
		w.log.Warn("slow inventory commit", "inventories", len(recs), "took", d)
	}
	var saved []model.InventoryRecord
	for i, j := range batch {
		switch {
		case err != nil:
			j.result <- fmt.Errorf("store inventory: %w", err)
		case results[i] != nil:
			j.result <- results[i]
		default:
			w.reg.setDigest(j.rec.ComputerID, j.rec.Digest)
			j.result <- nil
			saved = append(saved, j.rec)
		}
	}
	// After the agents were answered: compliance of these computers is recomputed off this
	// goroutine (model/compliance_queue.go), so evaluation never delays the next commit.
	if h, ok := w.store.(inventoriesCommitted); ok && len(saved) > 0 {
		h.InventoriesCommitted(saved)
	}
}

// inventoriesCommitted is told which inventories a batch committed; *model.Store recomputes
// their compliance. Optional, so test stores need not have it.
type inventoriesCommitted interface {
	InventoriesCommitted(recs []model.InventoryRecord)
}

func (w *writer) flushHeartbeats() {
	hs := w.reg.takeHeartbeats()
	for len(hs) > 0 {
		n := min(len(hs), maxHeartbeatBatch)
		t0 := time.Now()
		err := w.store.SaveHeartbeats(context.Background(), hs[:n])
		if d := time.Since(t0); d > slowWrite {
			w.log.Warn("slow check-in flush", "check-ins", n, "took", d)
		}
		if err != nil {
			w.log.Warn("record check-ins; will retry", "count", len(hs), "err", err)
			w.reg.requeue(hs)
			return
		}
		hs = hs[n:]
		// Uploads that queued meanwhile go next: their agents are waiting, these check-ins not.
		select {
		case j := <-w.jobs:
			w.commitInventories(j)
		default:
		}
	}
}
