package model

import (
	"context"
	"fmt"
	"time"
)

// Delivery events: what agents report while they install updates (guide Table 4-1 statuses),
// one row per status change of a computer × update × attempt. The Computers screen shows a
// computer's history; the delivery summary report counts outcomes per update.

// DeliveryEvent is one status change of an update on a computer.
type DeliveryEvent struct {
	ID         uint   `gorm:"primaryKey" json:"id"`
	ComputerID uint   `gorm:"not null" json:"computer_id"`
	UpdateID   string `gorm:"not null" json:"update_id"`
	BulletinID string `gorm:"not null;default:''" json:"bulletin_id"`
	PolicyID   uint   `gorm:"not null;default:0" json:"policy_id"`
	// Attempt counts runs of the update's command line: 0 before the first run.
	Attempt    int       `gorm:"not null;default:0" json:"attempt"`
	Status     string    `gorm:"not null" json:"status"` // a wire.Status* code
	ExitCode   *int      `json:"exit_code"`
	Message    string    `gorm:"not null;default:''" json:"message"`
	LogTail    string    `gorm:"not null;default:''" json:"log_tail"`
	At         time.Time `gorm:"not null" json:"at"`
	ReceivedAt time.Time `gorm:"not null" json:"received_at"`
}

func (DeliveryEvent) TableName() string { return "delivery_events" }

// Delivery statuses that end an attempt: the summary counts these.
const (
	DeliveryInstalled       = "installed"
	DeliveryInstalledByUser = "installed_by_user"
	DeliveryFailed          = "failed"
	DeliveryRescheduled     = "failed_rescheduled"
	DeliveryNotApplicable   = "not_applicable"
	DeliverySuperseded      = "superseded"
)

// AddDeliveryEvents stores status changes. An event names its update only; the bulletin is
// looked up here so that reports group by bulletin even after the update leaves the catalog.
func (s *Store) AddDeliveryEvents(ctx context.Context, events []DeliveryEvent) error {
	if len(events) == 0 {
		return nil
	}
	ids := make([]string, 0, len(events))
	for _, e := range events {
		ids = append(ids, e.UpdateID)
	}
	var ups []struct{ ID, BulletinID string }
	db := s.DB.WithContext(ctx)
	if err := db.Model(&Update{}).Select("id, bulletin_id").Where("id IN ?", ids).Scan(&ups).Error; err != nil {
		return fmt.Errorf("store delivery events: find bulletins: %w", err)
	}
	bulletin := make(map[string]string, len(ups))
	for _, u := range ups {
		bulletin[u.ID] = u.BulletinID
	}
	for i := range events {
		if events[i].BulletinID == "" {
			events[i].BulletinID = bulletin[events[i].UpdateID]
		}
	}
	if err := db.CreateInBatches(events, 200).Error; err != nil {
		return fmt.Errorf("store delivery events: %w", err)
	}
	return nil
}

// DeliveryEvents lists a computer's newest delivery events, newest first.
func (s *Store) DeliveryEvents(ctx context.Context, computerID uint, limit int) ([]DeliveryEvent, error) {
	var es []DeliveryEvent
	err := s.DB.WithContext(ctx).Where("computer_id = ?", computerID).Order("at DESC, id DESC").Limit(limit).Find(&es).Error
	if err != nil {
		return nil, fmt.Errorf("list delivery events of computer %d: %w", computerID, err)
	}
	return es, nil
}
