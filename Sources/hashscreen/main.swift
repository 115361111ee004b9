print("hashscreen: skeleton")
