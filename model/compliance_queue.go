package model

import (
	"context"
	"slices"
	"sync"
	"time"

	"patchdesk/model/inventory"
)

// InventoriesCommitted is the agent listener's hook: agentsvc/writer.go calls it after a batch
// of uploaded inventories committed and their agents were answered. It returns at once. The
// computers' compliance is recomputed on a goroutine that starts when work arrives and ends
// when none is left, so the listener's single writer never waits for rule evaluation, and
// uploads that arrive meanwhile are coalesced per computer.
//
// A process that ends before that work is done leaves those computers stale (their stored
// digest differs from the evaluated one); the next RecomputeCompliance pass picks them up (the
// update-targets job runs one before it recomputes the targets).
func (s *Store) InventoriesCommitted(recs []InventoryRecord) {
	if len(recs) == 0 {
		return
	}
	q := s.complianceQueue()
	q.mu.Lock()
	defer q.mu.Unlock()
	for _, r := range recs {
		p := pendingInventory{digest: r.Digest}
		// Past queueKeepInventories the decoded inventories are dropped and read back from
		// the database when their turn comes, so a backlog cannot hold gigabytes.
		if len(q.pending) < queueKeepInventories {
			p.inv = r.Inventory
		}
		q.pending[r.ComputerID] = p
	}
	if q.idle == nil {
		q.idle = make(chan struct{})
		go q.drain(s)
	}
}

// ComplianceSettled waits until the compliance work InventoriesCommitted queued is done.
func (s *Store) ComplianceSettled(ctx context.Context) error {
	q := s.complianceQueue()
	q.mu.Lock()
	idle := q.idle
	q.mu.Unlock()
	if idle == nil {
		return nil
	}
	select {
	case <-idle:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// queueKeepInventories bounds the decoded inventories held while they wait.
const queueKeepInventories = 2048

type pendingInventory struct {
	digest string
	inv    *inventory.Inventory // nil: read it back from the database
}

type complianceQueue struct {
	mu      sync.Mutex
	pending map[uint]pendingInventory
	idle    chan struct{} // non-nil while a drain runs; closed when it ends
}

// complianceQueues holds one queue per open store (in practice one per process).
var complianceQueues sync.Map

func (s *Store) complianceQueue() *complianceQueue {
	q, _ := complianceQueues.LoadOrStore(s, &complianceQueue{pending: map[uint]pendingInventory{}})
	return q.(*complianceQueue)
}

func (q *complianceQueue) drain(s *Store) {
	for {
		q.mu.Lock()
		if len(q.pending) == 0 {
			close(q.idle)
			q.idle = nil
			q.mu.Unlock()
			return
		}
		work := q.pending
		q.pending = map[uint]pendingInventory{}
		q.mu.Unlock()
		if err := s.recomputeQueued(context.Background(), work); err != nil {
			s.log.Warn("compliance after inventory upload; the next recompute pass catches up", "computers", len(work), "err", err)
		}
	}
}

// recomputeQueued evaluates the queued inventories it holds and reads the others back.
func (s *Store) recomputeQueued(ctx context.Context, work map[uint]pendingInventory) error {
	cat, err := s.complianceCatalog(ctx)
	if err != nil {
		return err
	}
	var reread []uint
	ec := cat.newEvalCache()
	batch := make([]computerResult, 0, min(len(work), recomputeWriteBatch))
	ids := slices.Sorted(func(yield func(uint) bool) {
		for id := range work {
			if !yield(id) {
				return
			}
		}
	})
	for _, id := range ids {
		p := work[id]
		if p.inv == nil {
			reread = append(reread, id)
			continue
		}
		batch = append(batch, computerResult{id: id, digest: p.digest, rev: cat.rev, results: ec.evaluateAll(p.inv, nil)})
		if len(batch) == recomputeWriteBatch {
			if _, err := s.writeCompliance(ctx, batch, true, time.Now().UTC()); err != nil {
				return err
			}
			batch = batch[:0]
		}
	}
	if _, err := s.writeCompliance(ctx, batch, true, time.Now().UTC()); err != nil {
		return err
	}
	if len(reread) > 0 {
		_, err = s.RecomputeCompliance(ctx, RecomputeOptions{IDs: reread})
	}
	return err
}
