// placeholder; filled by the cramp-log work
