// Package e2e drives Sinau's main user journeys in a real browser.
package e2e
