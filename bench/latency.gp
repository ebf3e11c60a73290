# Percentiles from msgq-bench's bench-latency.dat (round trips) or
# bench-edge.dat (an edge to the waiting client), charttitle optional:
#   gnuplot -e "datafile='bench-latency.dat'; outfile='bench-latency.png'" latency.gp
if (!exists("charttitle")) charttitle = "Round trip: msgqd against the bare msgsnd/msgrcv floor"
set terminal pngcairo size 900,540 font ",11"
set output outfile
set title charttitle
set ylabel "µs (log scale)"
set logscale y
set grid ytics mytics
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set key top left
plot datafile using 2:xtic(1) title "floor, 1 CPU" lc rgb "#9ecae1", \
     ''       using 3 title "msgqd, 1 CPU" lc rgb "#3182bd", \
     ''       using 4 title "floor, 2 CPUs" lc rgb "#fdae6b", \
     ''       using 5 title "msgqd, 2 CPUs" lc rgb "#e6550d"
