echo master
