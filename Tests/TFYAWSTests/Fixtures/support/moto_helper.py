"""Runs moto's EC2 emulator on 127.0.0.1 for the tests.

Prints the port it listens on, then serves until its standard input closes — which happens when
the test process that started it exits, however it exits, so no server outlives its tests.
Environment variables such as INITIAL_NO_AUTH_ACTION_COUNT are read by moto as usual.
"""
import sys

from moto.server import ThreadedMotoServer

server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
server.start()
print(server._server.port, flush=True)
try:
    sys.stdin.read()
finally:
    server.stop()
