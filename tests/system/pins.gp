# The pin benchmark's chart: each kind's ratio to the floor, per release, from
# the ratios pins-report --data wrote (tests/system/run: RELEASE-pins/virt/
# pins-ratios.dat in its work directory; log scales, the goals dashed):
#   gnuplot -e "bookworm='B/pins-ratios.dat'; trixie='T/pins-ratios.dat'; outfile='doc/pins.svg'" pins.gp
set terminal svg size 960,500 dynamic font "sans,11"
set output outfile
set multiplot layout 1,2
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set logscale y
set grid ytics
set xtics rotate by -30 scale 0 font ",10"
set key tmargin center horizontal font ",10" samplen 1.5
set bmargin 7

set title "At the pins, input edge to output level: times the floor's"
set ylabel "ratio to the floor (goal: p50 1.3, p99 1.5)"
set yrange [0.3:*]
set arrow 1 from graph 0, first 1.3 to graph 1, first 1.3 nohead dt 2 lc rgb "#31a354" front
set arrow 2 from graph 0, first 1.5 to graph 1, first 1.5 nohead dt 3 lc rgb "#31a354" front
plot bookworm index 0 using 2:xtic(1) title "bookworm p50" lc rgb "#9ecae1", \
     ''       index 0 using 3 title "bookworm p99" lc rgb "#3182bd", \
     trixie   index 0 using 2 title "trixie p50" lc rgb "#fdae6b", \
     trixie   index 0 using 3 title "trixie p99" lc rgb "#e6550d"

unset arrow 1
unset arrow 2
set title "At the pins, changes a second: the floor's fraction"
set ylabel "ratio to the floor (goal: 0.7)"
set yrange [*:2]
set arrow 3 from graph 0, first 0.7 to graph 1, first 0.7 nohead dt 2 lc rgb "#31a354" front
plot bookworm index 1 using 2:xtic(1) title "bookworm" lc rgb "#3182bd", \
     trixie   index 1 using 2 title "trixie" lc rgb "#e6550d"
unset multiplot
