module loopwatch/tools/goserver

go 1.19
