Console.Error.WriteLine("The load-test harness is not built yet (issue 8).");
return 2;
