package record

import (
	"bytes"
	"testing"

	"github.com/conclab/conclab/workload"
)

// FuzzFold: whatever a recording file holds, reading and folding it never
// crashes, and a workload Fold writes always parses.
func FuzzFold(f *testing.F) {
	f.Add([]byte(`{"recorder":1,"python":"3.11.7","implementation":"cpython","wall":1000000,"exit":0,"loops":0,"pools":[],"resources":[],"main":0,` +
		`"tasks":[{"id":0,"kind":"main","name":"main","site":"","parent":null,"start":0,"end":900000,"steps":[["w",1000],["g",[1,2]],["j",5000]]},` +
		`{"id":1,"kind":"pool","name":"handle","site":"a.py:3","parent":0,"start":1000,"end":5000,"steps":[["w",2000000],["i",3000000,"time.sleep"],["r",400000,"zlib.compress"]],"pool":7},` +
		`{"id":2,"kind":"pool","name":"handle","site":"a.py:3","parent":0,"start":1000,"end":5000,"steps":[["w",2100000],["i",3000000,"time.sleep"],["r",410000,"zlib.compress"]],"pool":7}]}`))
	f.Add([]byte(`{"recorder":1,"main":0,"tasks":[{"id":0,"kind":"main","steps":[["k",0,["<module> a.py:1","handle a.py:2"]],["i",5,"x"],["k",1,["handle a.py:2"]],["w",9],["i",7,"x"]]}]}`))
	// The calls and returns 3.12's recorder marks, a return above the unit's level among them.
	f.Add([]byte(`{"recorder":1,"main":0,"tasks":[{"id":0,"kind":"main","steps":[["w",3],["k",0,["<module> a.py:1","f a.py:2","g a.py:5"]],["i",5,"x"],["k",2,[],"return"],["w",4],` +
		`["k",1,[],"return"],["k",1,["f a.py:2"],"call"],["i",5,"x"],["w",2],["k",1,[],"return"],["k",0,[],"return"],["k",1,["f a.py:2"],"call"],["w",1]]}]}`))
	f.Add([]byte(`{"recorder":1,"main":0,"resources":[{"id":5,"kind":"threading.Semaphore","capacity":2}],"tasks":[{"id":0,"kind":"main","steps":[["g",[1]],["j",1]]},{"id":1,"kind":"thread","parent":0,"steps":[["a",5],["w",10],["u",3,5],["a",5],["x",5],["x",5],["x",9]]}]}`))
	f.Add([]byte(`{"recorder":1,"main":0,"tasks":[{"id":0,"kind":"main","steps":[]},{"id":1,"kind":"request","name":"GET /r","start":100,"steps":[["w",5]]},{"id":2,"kind":"request","name":"GET /r","start":300,"steps":[["w",7]]}]}`))
	// Worker processes that ran the main module again, a clock gone wrong among them.
	f.Add([]byte(`{"recorder":1,"main":0,"main_modules":{"7":150000000,"8":-5,"9":9223372036854775807},"tasks":[{"id":0,"kind":"main","steps":[["w",3]]}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		rec, err := Read(bytes.NewReader(data))
		if err != nil {
			return
		}
		res, err := Fold(rec, Options{Command: "a.py", Name: "a", Cores: 2})
		if err != nil {
			return
		}
		if _, err := workload.Parse("a.yaml", res.YAML); err != nil {
			t.Fatalf("Fold wrote a workload that does not parse: %v\n%s", err, res.YAML)
		}
		_ = res.Summary.Text()
	})
}
