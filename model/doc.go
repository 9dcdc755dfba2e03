// Package model holds PatchDesk's entities, its store (GORM on SQLite in the data dir) with
// versioned migrations, and the queries that screens, commands and reports share. It knows
// nothing of Fyne or HTTP.
package model
