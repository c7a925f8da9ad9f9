package main

import (
	"strings"
	"testing"
)

const stream = `{"Action":"start","Package":"p/a"}
{"Action":"run","Package":"p/a","Test":"TestNeedsIPVS"}
{"Action":"output","Package":"p/a","Test":"TestNeedsIPVS","Output":"=== RUN   TestNeedsIPVS\n"}
{"Action":"output","Package":"p/a","Test":"TestNeedsIPVS","Output":"    x_test.go:9: needs IPVS, and this kernel has none (make test runs this test in the microVM): no\n"}
{"Action":"output","Package":"p/a","Test":"TestNeedsIPVS","Output":"--- SKIP: TestNeedsIPVS (0.00s)\n"}
{"Action":"skip","Package":"p/a","Test":"TestNeedsIPVS"}
{"Action":"run","Package":"p/a","Test":"TestRoot"}
{"Action":"output","Package":"p/a","Test":"TestRoot","Output":"    x_test.go:3: needs root\n"}
{"Action":"skip","Package":"p/a","Test":"TestRoot"}
{"Action":"run","Package":"p/a","Test":"TestBroken"}
{"Action":"output","Package":"p/a","Test":"TestBroken","Output":"    x_test.go:5: it broke\n"}
{"Action":"output","Package":"p/a","Test":"TestBroken","Output":"--- FAIL: TestBroken (0.00s)\n"}
{"Action":"fail","Package":"p/a","Test":"TestBroken"}
{"Action":"run","Package":"p/a","Test":"TestFine"}
{"Action":"output","Package":"p/a","Test":"TestFine","Output":"    x_test.go:7: fine, quietly\n"}
{"Action":"pass","Package":"p/a","Test":"TestFine"}
{"Action":"output","Package":"p/a","Output":"FAIL\n"}
{"Action":"output","Package":"p/a","Output":"FAIL\tp/a\t0.01s\n"}
{"Action":"fail","Package":"p/a"}
{"Action":"output","Package":"p/b","Output":"ok  \tp/b\t0.02s\n"}
{"Action":"pass","Package":"p/b"}
`

func TestRunPrintsLikeGoTestAndSelectsIPVSTests(t *testing.T) {
	var out strings.Builder
	failed, ipvs, err := run(strings.NewReader(stream), &out)
	if err != nil || !failed {
		t.Fatalf("failed %v, err %v; want a failure", failed, err)
	}
	want := "    x_test.go:5: it broke\n--- FAIL: TestBroken (0.00s)\nFAIL\nFAIL\tp/a\t0.01s\nok  \tp/b\t0.02s\n"
	if out.String() != want {
		t.Errorf("printed\n%s\nwant\n%s", out.String(), want)
	}
	if got := selection(ipvs); got != "p/a ^(TestNeedsIPVS)$\n" {
		t.Errorf("selection %q", got)
	}
}
