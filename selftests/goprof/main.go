// SPDX-License-Identifier: GPL-2.0

// goprof prints a Go program's own heap profile in its debug=1 text form
// (runtime/pprof, as /debug/pprof/heap?debug=1 serves it), from two
// allocation sites of known sizes, for selftests/profile_test.py to hold
// 'memstat profile -f text' against, line by line.
package main

import (
	"os"
	"runtime"
	"runtime/pprof"
)

var keep [][]byte

//go:noinline
func siteA() {
	for i := 0; i < 4096; i++ {
		keep = append(keep, make([]byte, 512))
	}
}

//go:noinline
func siteB() {
	for i := 0; i < 64; i++ {
		keep = append(keep, make([]byte, 32768))
	}
}

func main() {
	runtime.MemProfileRate = 4096
	siteA()
	siteB()
	// The profile shows what the last completed cycle saw.
	runtime.GC()
	if err := pprof.Lookup("heap").WriteTo(os.Stdout, 1); err != nil {
		os.Exit(1)
	}
	runtime.KeepAlive(keep)
}
