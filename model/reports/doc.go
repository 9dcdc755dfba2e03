// Package reports is PatchDesk's report registry: every report has a name, a title, a
// category, typed parameters and one Run function that returns a Result (typed columns, rows
// and a chart spec). The desktop console, the `patchdesk report` command and the browser pages
// all call the same Run, so a report reads the same wherever it is opened; package
// reports/export turns a Result into CSV, JSON or a self-contained HTML file.
//
// Reports are registered only when their data exist in the database: compliance and delivery
// reports join the registry with the features that store compliance results and policy
// executions.
package reports
