package main

import (
	"context"
	"errors"
	"os"
	"runtime"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"

	"patchdesk"
	"patchdesk/assets"
	"patchdesk/jobs"
	"patchdesk/model"
	"patchdesk/ui"
)

// errNoDisplay is returned when the GUI is asked for where no display exists.
var errNoDisplay = errors.New("no display: start the console with `xvfb-run patchdesk` (or `xvfb-run make run`), or run the host headless with `patchdesk serve`")

func appVersion() string {
	if version != "" {
		return version
	}
	card, err := patchdesk.DesignCard()
	if err != nil {
		return "unknown"
	}
	return card.Details.Version
}

func runGUI(ctx context.Context, g *globals) error {
	if runtime.GOOS == "linux" && os.Getenv("DISPLAY") == "" && os.Getenv("WAYLAND_DISPLAY") == "" {
		return errNoDisplay
	}
	card, err := patchdesk.DesignCard()
	if err != nil {
		return err
	}
	icon := fyne.NewStaticResource("icon.png", patchdesk.Icon())
	app.SetMetadata(fyne.AppMetadata{
		ID: card.Details.ID, Name: card.Details.Name, Version: appVersion(), Build: card.Details.Build,
		Icon: icon, Migrations: card.Migrations,
	})
	h, err := startHost(ctx, g, "gui", hostOptions{})
	if err != nil {
		return err
	}
	defer h.Close()
	a := app.NewWithID(card.Details.ID)
	a.SetIcon(icon)
	uh := ui.Host{
		DataDir: h.dataDir, Store: h.store, Settings: h.settings, Runner: h.runner, Scheduler: h.scheduler,
		Log: h.log, Actor: h.actor(), Version: appVersion(), ListenerErr: h.listenErr,
		CatalogOffer: func(ctx context.Context) (model.CatalogOffer, error) {
			return jobs.OfferedBy(ctx, h.settings, assets.Catalog(), nil, nil)
		},
	}
	if h.listener != nil { // a nil *Server in the interface would not read as nil
		uh.Listener = h.listener
	}
	console := ui.New(a, uh)
	console.SetupTray(icon)
	console.Window().SetMaster()
	console.Window().ShowAndRun()
	return nil
}
