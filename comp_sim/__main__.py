from comp_sim.cli import main

main()
